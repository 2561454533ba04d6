// The entry's edit screen: text areas that grow with their text, live character counts,
// "Restore machine text", and the keyboard shortcuts listed on the screen (.desk-keys).
(function () {
  const fits = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  function grow(area) {
    // Browsers without field-sizing: as tall as the text, never an inner scroll bar.
    if (fits) return;
    area.style.height = "auto";
    area.style.height = area.scrollHeight + (area.offsetHeight - area.clientHeight) + "px";
  }

  function count(field) {
    const out = document.querySelector('.desk-count[data-count-for="' + field.id + '"] .n');
    if (out) out.textContent = Array.from(field.value).length;  // characters, not UTF-16 units
  }

  function submit(name) {
    const form = document.getElementById("summary_form");
    const button = form && form.querySelector('input[name="' + name + '"]');
    if (button) form.requestSubmit(button);
  }

  function transition(name) {
    const button = document.querySelector('.desk-transition button[value="' + name + '"]');
    if (!button) return;
    const keys = document.querySelector(".desk-keys");
    if (dirty && keys && !window.confirm(keys.dataset.unsaved)) return;
    button.form.requestSubmit(button);
  }

  let dirty = false;

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (!field.closest || !field.closest("#desk-edit")) return;
    dirty = true;
    if (field.tagName === "TEXTAREA") grow(field);
    count(field);
  });

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

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("desk-edit")) return;
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && !event.altKey && event.key.toLowerCase() === "s") submit("_continue");
    else if (ctrl && event.key === "Enter") submit("_savenext");
    else if (event.altKey && !ctrl && event.code === "KeyA") transition("approve");
    else if (event.altKey && !ctrl && event.code === "KeyR") transition("request_changes");
    else return;
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#desk-edit textarea:not([hidden])").forEach(grow);
  });
})();
