/*
 * The board's filter bar applies itself as it changes (issue 13): a select at once, the search
 * box after a short pause in typing. Only the columns are fetched and swapped (the page, the
 * filter bar and the focus in it stay), and the address is replaced so that it can be shared
 * and a reload shows the same filter. Without script the form still submits as before.
 */
(function () {
  "use strict";

  var TYPING_PAUSE_MS = 250;

  function queryOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      var text = String(value).trim();
      if (text) params.append(key, text);
    });
    return params.toString();
  }

  function setUp(form) {
    var timer = null;
    var latest = 0;
    var applied = queryOf(form);
    var base = form.getAttribute("action");

    function apply() {
      window.clearTimeout(timer);
      var query = queryOf(form);
      if (query === applied) return;
      applied = query;
      var request = ++latest;
      var url = base + "?" + (query ? query + "&" : "") + "fragment=columns";
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (!response.ok || response.redirected) throw new Error("filter");
          return response.text();
        })
        .then(function (html) {
          // An answer to an earlier state of the form comes too late: a newer one is on its way.
          if (request !== latest) return;
          var template = document.createElement("template");
          template.innerHTML = html.trim();
          var fresh = template.content.querySelector("#board-columns");
          var current = document.getElementById("board-columns");
          if (!fresh || !current) throw new Error("filter");
          current.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);
          document.dispatchEvent(new CustomEvent("board:inserted", { detail: { element: fresh } }));
          window.history.replaceState(window.history.state, "", base + (query ? "?" + query : ""));
          var clear = form.querySelector(".clear-filters");
          if (clear) clear.hidden = !query;
          var note = document.querySelector(".filter-note");
          if (note) note.hidden = !query;
        })
        .catch(function () {
          // Fall back to the plain form: a full page with these filters.
          if (request === latest) form.submit();
        });
    }

    form.addEventListener("change", apply);
    form.addEventListener("input", function (event) {
      if (event.target && event.target.type !== "search") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(apply, TYPING_PAUSE_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      apply();
    });
    var clear = form.querySelector(".clear-filters");
    if (clear) {
      clear.addEventListener("click", function (event) {
        event.preventDefault();
        form.querySelectorAll("input[type=search], select").forEach(function (field) { field.value = ""; });
        apply();
      });
    }
    form.classList.add("live");
  }

  function start() {
    document.querySelectorAll("form[data-live-filters]").forEach(setUp);
  }

  // Closing the card dialog puts back the address the page was opened with (static/js/app.js):
  // then, once its listener has run, put back the filters applied since.
  document.addEventListener("close", function (event) {
    var form = document.querySelector("form[data-live-filters]");
    if (!form || !event.target || event.target.id !== "task-dialog") return;
    window.setTimeout(function () {
      var query = queryOf(form);
      window.history.replaceState(window.history.state, "", form.getAttribute("action") + (query ? "?" + query : ""));
    }, 0);
  }, true);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
