// The reading list: arXiv ids kept in this browser's localStorage, never sent anywhere but to ask this
// site for the papers' titles (the list page) or their BibTeX (export). No account, no cookie, and the
// pages stay the same for every reader, so the page cache serves them all.
(function () {
  "use strict";
  var KEY = "paperdesk.readingList";
  var ID_RE = /^(?:\d{4}\.\d{4,5}|[a-z][a-z.\-]*(?:\.[A-Z]{2})?\/\d{7})$/;
  var MAX = 100; // as the server's MAX_IDS (papers/site/reading_list.py)

  function load() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return typeof id === "string" && ID_RE.test(id); }) : [];
    } catch (error) {
      return [];
    }
  }

  function save(ids) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids));
    } catch (error) { /* storage full or disabled: the list simply does not change */ }
    refresh();
  }

  function has(id) { return load().indexOf(id) !== -1; }

  function add(id) {
    var ids = load();
    if (ids.indexOf(id) === -1 && ids.length < MAX) { ids.unshift(id); save(ids); }
  }

  function remove(id) { save(load().filter(function (other) { return other !== id; })); }

  function refresh() {
    var ids = load();
    document.querySelectorAll("[data-reading-list-id]").forEach(function (button) {
      var saved = ids.indexOf(button.getAttribute("data-reading-list-id")) !== -1;
      var full = !saved && ids.length >= MAX;
      button.hidden = false;
      button.setAttribute("aria-pressed", saved ? "true" : "false");
      button.disabled = full;
      button.textContent = button.getAttribute(saved ? "data-label-remove" : full ? "data-label-full" : "data-label-add");
    });
    document.querySelectorAll("[data-reading-list-count]").forEach(function (el) {
      el.textContent = ids.length ? String(ids.length) : "";
    });
    var list = document.getElementById("reading-list");
    if (list) renderList(list, ids);
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  var shown = null; // the ids the list page last asked the server about

  function renderList(list, ids) {
    var empty = document.getElementById("reading-list-empty");
    var exportLink = document.getElementById("reading-list-export");
    empty.hidden = ids.length > 0;
    exportLink.hidden = ids.length === 0;
    exportLink.href = list.getAttribute("data-bib") + "?ids=" + encodeURIComponent(ids.join(","));
    var key = ids.join(",");
    if (key === shown) return;
    shown = key;
    if (!ids.length) { list.replaceChildren(); return; }
    fetch(list.getAttribute("data-endpoint") + "?ids=" + encodeURIComponent(key), { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (shown !== key) return;
        var byId = {};
        data.papers.forEach(function (paper) { byId[paper.id] = paper; });
        list.replaceChildren.apply(list, ids.map(function (id) { return item(list, id, byId[id]); }));
      });
  }

  function item(list, id, paper) {
    var li = document.createElement("li");
    li.className = "reading-item";
    li.setAttribute("data-id", id);
    if (paper) {
      var link = text("a", paper.title, "reading-title");
      link.href = paper.url;
      li.appendChild(link);
      if (paper.subtitle) li.appendChild(text("span", paper.subtitle, "reading-subtitle"));
      li.appendChild(text("span", [paper.published, paper.authors].filter(Boolean).join(" · "), "meta"));
    } else {
      var missing = text("a", id + " — " + list.getAttribute("data-label-missing"), "reading-title");
      missing.href = "https://arxiv.org/abs/" + id;
      missing.rel = "noopener";
      li.appendChild(missing);
    }
    var button = text("button", list.getAttribute("data-label-remove"), "reading-remove");
    button.type = "button";
    button.addEventListener("click", function () { remove(id); });
    li.appendChild(button);
    return li;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-reading-list-id]");
    if (!button) return;
    var id = button.getAttribute("data-reading-list-id");
    if (has(id)) remove(id); else add(id);
  });
  window.addEventListener("storage", function (event) { if (event.key === KEY) refresh(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh); else refresh();
})();
