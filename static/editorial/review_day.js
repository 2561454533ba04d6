// A day at a time: j/k move between entries, a approves the current one in place (no page load),
// e opens it for editing, p publishes the digest.
(function () {
  function cookie(name) {
    const m = document.cookie.match("(^|;)\\s*" + name + "=([^;]*)");
    return m ? decodeURIComponent(m[2]) : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    const root = document.getElementById("review-day");
    if (!root) return;
    const cards = Array.from(root.querySelectorAll(".review-card"));
    const progress = document.getElementById("review-progress");
    let current = 0;
    function focus(i) {
      current = Math.max(0, Math.min(cards.length - 1, i));
      cards[current].focus();
      cards[current].scrollIntoView({ block: "center" });
    }
    async function approve(card) {
      const url = root.dataset.approveUrl.replace(/\/0\/approve\/$/, "/" + card.dataset.summary + "/approve/");
      const response = await fetch(url, { method: "POST", headers: { "X-CSRFToken": cookie("csrftoken") }, credentials: "same-origin" });
      const data = await response.json();
      const state = card.querySelector(".review-state");
      if (response.ok) {
        state.textContent = data.label;
        card.classList.add("state-approved");
        progress.textContent = root.querySelectorAll(".state-approved, .state-published").length;
        if (card === cards[current]) focus(current + 1);
      } else {
        state.textContent = data.error || root.dataset.error;
      }
    }
    root.addEventListener("click", function (event) {
      const button = event.target.closest(".review-approve");
      if (button) approve(button.closest(".review-card"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.target.matches("input, textarea, select")) return;
      if (event.key === "j") focus(current + 1);
      else if (event.key === "k") focus(current - 1);
      else if (event.key === "a") approve(cards[current]);
      else if (event.key === "e") window.location = cards[current].dataset.editUrl;
      else if (event.key === "p") document.getElementById("review-publish")?.submit();
      else return;
      event.preventDefault();
    });
    if (cards.length) focus(0);
  });
})();
