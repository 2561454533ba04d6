// "Report an error" on a paper page: the page is cached and carries no CSRF token, so the form
// (with its token) is loaded from its own, uncached URL when the reader opens the box, and posted
// from there.  Without script the box's link opens the same form as a page.
document.querySelectorAll("details.report-error").forEach(function (box) {
  var body = box.querySelector(".report-error-body");
  function load(url, options) {
    return fetch(url, Object.assign({credentials: "same-origin"}, options || {}))
      .then(function (response) { return response.text(); })
      .then(function (html) { body.innerHTML = html; wire(); });
  }
  function wire() {
    var form = body.querySelector("form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load(form.action, {method: "POST", body: new FormData(form)});
    });
  }
  box.addEventListener("toggle", function () {
    if (box.open && !box.dataset.loaded) {
      box.dataset.loaded = "1";
      load(box.dataset.formUrl);
    }
  });
});
