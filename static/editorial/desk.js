// "Restore machine text": put the machine's text back into one field (the form still has to be saved).
document.addEventListener("click", function (event) {
  const button = event.target.closest("button.restore");
  if (!button) return;
  const field = document.getElementById(button.dataset.field);
  const machine = document.getElementById(button.dataset.machine);
  if (field && machine) {
    field.value = machine.value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  }
});
