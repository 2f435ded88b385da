/*
 * Edits made in place on the board (issue 13): a list's title (click it, or Enter on it) and a
 * card's title (its pencil), each an input where the title was: Enter or leaving it saves,
 * Escape puts the title back. And "Create label" in the card dialog's label picker (admins).
 * All three go through the public API (session and CSRF token, as the pages' own requests).
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function toast(message) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast error";
    item.textContent = message;
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 5400);
  }

  // The API's error envelope as one sentence: the first field error, else the message.
  function problem(payload) {
    var error = (payload && payload.error) || {};
    var fields = error.fields || {};
    for (var name in fields) {
      if (fields[name] && fields[name].length) return fields[name][0];
    }
    return error.message || "That didn't work. Reload the page and try again.";
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (payload) {
        if (!response.ok) throw new Error(problem(payload));
        return payload;
      });
    });
  }

  function apiUrl(attribute, id) {
    var columns = document.getElementById("board-columns");
    var url = columns && columns.getAttribute(attribute);
    return url ? url.replace(/\/0\/$/, "/" + id + "/") : null;
  }

  // Replace `shown` by an input holding its title until Enter/blur (save) or Escape (cancel).
  function editInPlace(shown, options) {
    if (shown.hidden) return;
    var input = document.createElement("input");
    input.type = "text";
    input.className = "title-input";
    input.maxLength = 200;
    input.value = options.title;
    input.setAttribute("aria-label", options.label);
    shown.hidden = true;
    shown.insertAdjacentElement("afterend", input);
    input.focus();
    input.select();
    var done = false;

    function finish(title) {
      if (done) return;
      done = true;
      input.remove();
      shown.hidden = false;
      if (title !== null) options.show(title);
      (options.focusAfter || shown).focus();
    }

    function save() {
      // Escape removes the input, and Chromium may then report a blur: cancelled is final.
      if (done) return;
      var title = input.value.trim();
      if (!title || title === options.title) return finish(null);
      input.disabled = true;
      send("PATCH", options.url, { title: title })
        .then(function (saved) { finish(saved.title); })
        .catch(function (error) {
          input.disabled = false;
          input.setAttribute("aria-invalid", "true");
          toast(error.message);
          input.focus();
        });
    }

    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); save(); }
      else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); finish(null); }
    });
    input.addEventListener("blur", function () { if (!input.disabled) save(); });
    // Drags start on the column and card: typing and selecting in the input must not.
    ["mousedown", "pointerdown", "touchstart"].forEach(function (name) {
      input.addEventListener(name, function (event) { event.stopPropagation(); });
    });
  }

  document.addEventListener("click", function (event) {
    var listTitle = event.target.closest && event.target.closest("[data-edit-list-title]");
    if (listTitle) {
      var section = listTitle.closest(".column");
      var listId = section && section.getAttribute("data-list-id");
      var url = apiUrl("data-list-api-url", listId);
      if (!url) return;
      editInPlace(listTitle, {
        title: listTitle.textContent.trim(),
        label: "New title of the list",
        url: url,
        show: function (title) { listTitle.textContent = title; },
      });
      return;
    }
    var pencil = event.target.closest && event.target.closest("[data-edit-card-title]");
    if (pencil) {
      var card = pencil.closest(".task-card");
      var link = card && card.querySelector(".task-card-title");
      var cardUrl = card && apiUrl("data-task-api-url", card.getAttribute("data-task-id"));
      if (!link || !cardUrl) return;
      var hidden = link.querySelector(".visually-hidden");
      editInPlace(link, {
        title: (link.getAttribute("data-title") || link.textContent).trim(),
        label: "New title of the card",
        url: cardUrl,
        focusAfter: pencil,
        show: function (title) {
          link.textContent = title;
          link.setAttribute("data-title", title);
          if (hidden) link.insertBefore(hidden, link.firstChild);
        },
      });
      return;
    }
    // A card named in the Activity panel opens in the card dialog over the board.
    var activityCard = event.target.closest && event.target.closest("#activity-drawer a.activity-card");
    if (activityCard && window.htmx && document.getElementById("task-dialog-body")) {
      event.preventDefault();
      var drawer = document.getElementById("activity-drawer");
      if (drawer && drawer.open) drawer.close();
      window.htmx.ajax("GET", activityCard.getAttribute("href"), { target: "#task-dialog-body" });
      return;
    }
    var create = event.target.closest && event.target.closest("[data-label-create-submit]");
    if (create) createLabel(create.closest("[data-label-create]"));
  });

  // -- Create a label from the card dialog ----------------------------------------------------

  function createLabel(box) {
    if (!box) return;
    var name = box.querySelector("[data-label-name]");
    var color = box.querySelector("[data-label-color]");
    var error = box.querySelector("[data-label-error]");
    send("POST", box.getAttribute("data-url"), { name: name.value.trim(), color: color.value })
      .then(function (label) {
        var option = document.createElement("label");
        option.className = "check";
        var check = document.createElement("input");
        check.type = "checkbox";
        check.name = "label_ids";
        check.value = String(label.id);
        check.checked = true;
        var svgNs = "http://www.w3.org/2000/svg";
        var dot = document.createElementNS(svgNs, "svg");
        dot.setAttribute("class", "dot");
        dot.setAttribute("viewBox", "0 0 10 10");
        dot.setAttribute("aria-hidden", "true");
        var circle = document.createElementNS(svgNs, "circle");
        circle.setAttribute("cx", "5");
        circle.setAttribute("cy", "5");
        circle.setAttribute("r", "5");
        circle.setAttribute("fill", label.color);
        dot.appendChild(circle);
        option.appendChild(check);
        option.appendChild(dot);
        option.appendChild(document.createTextNode(label.name));
        var empty = box.parentElement.querySelector(".no-labels");
        if (empty) empty.remove();
        box.insertAdjacentElement("beforebegin", option);
        check.dispatchEvent(new Event("change", { bubbles: true }));
        name.value = "";
        error.hidden = true;
        box.open = false;
        check.focus();
      })
      .catch(function (failure) {
        error.textContent = failure.message;
        error.hidden = false;
        name.setAttribute("aria-invalid", "true");
        name.focus();
      });
  }

  // Enter in the new label's name creates it (it sits inside the card's form: not a submit).
  document.addEventListener("keydown", function (event) {
    var name = event.target.closest && event.target.closest("[data-label-name]");
    if (name && event.key === "Enter") {
      event.preventDefault();
      createLabel(name.closest("[data-label-create]"));
    }
  });
})();
