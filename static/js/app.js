/*
 * Taskboard's own script, small on purpose: the pages work as plain HTML forms and links,
 * and this adds the CSRF header to htmx and fetch requests, the card and activity dialogs,
 * drag and drop of cards and lists (SortableJS), and toasts. There is no inline script or
 * style attribute anywhere, so the pages can run under a strict Content-Security-Policy.
 */
(function () {
  "use strict";

  var GENERIC_ERROR = "That didn't work. Reload the page and try again.";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // -- Toasts ------------------------------------------------------------------------------

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var item = document.createElement("div");
    item.className = "toast" + (kind ? " " + kind : "");
    item.textContent = message;
    box.appendChild(item);
    window.setTimeout(function () { item.classList.add("leaving"); }, 5000);
    window.setTimeout(function () { item.remove(); }, 5400);
  }

  // -- Requests ----------------------------------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403) toast("Your role on this board does not allow this.", "error");
    else if (status === 404) toast("This is gone: someone deleted it. Reload the page.", "error");
    else toast(GENERIC_ERROR, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    toast("You seem to be offline. Try again in a moment.", "error");
  });

  // Server-sent HX-Trigger events.
  document.addEventListener("toast", function (event) {
    toast(event.detail && event.detail.message, event.detail && event.detail.kind);
  });

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: new URLSearchParams(data),
    }).then(
      function (response) {
        if (response.redirected) throw new Error("Your session has ended. Reload the page to log in again.");
        return response.json().catch(function () { return {}; }).then(function (payload) {
          if (!response.ok) throw new Error((payload.error && payload.error.message) || GENERIC_ERROR);
          return payload;
        });
      },
      function () { throw new Error("You seem to be offline. Try again in a moment."); }
    );
  }

  // -- Dialogs -----------------------------------------------------------------------------

  var pageUrl = window.location.pathname + window.location.search;
  var boardChanged = false;

  function refreshColumns() {
    var columns = document.getElementById("board-columns");
    if (columns && window.htmx) {
      window.htmx.ajax("GET", columns.getAttribute("data-refresh-url"), { target: "#board-columns", swap: "outerHTML" });
    } else if (document.getElementById("task-detail")) {
      // A card's own page: the card moved, so what the page says about it changed.
      window.location.reload();
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest ? target.closest("dialog") : null;
    if (!dialog || !target.isConnected) return;
    if (!dialog.open) dialog.showModal();
    var detail = target.querySelector("[data-dialog-url]");
    if (detail && dialog.id === "task-dialog") {
      // The dialog has its own address: a reload (or a shared link) opens the card's page.
      window.history.replaceState(null, "", detail.getAttribute("data-dialog-url"));
    }
  });

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    var body = dialog.querySelector(".dialog-body");
    if (body) body.replaceChildren();
    if (dialog.id === "task-dialog") {
      window.history.replaceState(null, "", pageUrl);
      if (boardChanged) {
        boardChanged = false;
        // While the live stream is open our own changes come back as events and are in
        // place already (static/js/live_board.js); without it, fresh columns.
        if (!document.querySelector("[data-live-state='open']")) refreshColumns();
      }
    }
  }, true);

  document.addEventListener("click", function (event) {
    var closer = event.target.closest ? event.target.closest("[data-close-dialog]") : null;
    var dialog = closer ? closer.closest("dialog") : null;
    if (dialog) {
      event.preventDefault();
      dialog.close();
      return;
    }
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    if (event.target instanceof HTMLDialogElement && event.target.open) event.target.close();
  });

  document.addEventListener("taskChanged", function () { boardChanged = true; });

  document.addEventListener("closeDialog", function (event) {
    var dialog = document.getElementById("task-dialog");
    if (dialog && dialog.open) dialog.close();
    if (event.detail && event.detail.message) toast(event.detail.message, "success");
  });

  // -- Drag and drop -----------------------------------------------------------------------

  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll(selector) : []);
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  function urlFor(template, id) {
    return template.replace("/0/", "/" + id + "/");
  }

  function updateCounts(lists) {
    (lists || []).forEach(function (list) {
      var badge = document.getElementById("count-" + list.id);
      var column = document.getElementById("list-" + list.id);
      if (!badge) return;
      var count = badge.querySelector("[data-count]");
      if (count) count.textContent = String(list.total);
      var note = badge.querySelector(".wip-note");
      if (note) note.textContent = list.at_limit ? " · full" : "";
      badge.classList.toggle("full", !!list.at_limit);
      if (column) column.classList.toggle("at-limit", !!list.at_limit);
    });
  }

  // The column counters after live updates (static/js/live_board.js).
  document.addEventListener("board:counts", function (event) {
    updateCounts(event.detail && event.detail.lists);
  });

  function putBack(item, container, index) {
    item.remove();
    var cards = container.children;
    container.insertBefore(item, cards[index] || null);
  }

  function previousCard(card) {
    var node = card.previousElementSibling;
    while (node && !node.classList.contains("task-card")) node = node.previousElementSibling;
    return node;
  }

  function cardDropped(event) {
    var card = event.item;
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    var columns = document.getElementById("board-columns");
    var above = previousCard(card);
    card.classList.add("saving");
    post(urlFor(columns.getAttribute("data-task-drop-url"), card.getAttribute("data-task-id")), {
      list_id: event.to.getAttribute("data-list-id"),
      after_id: above ? above.getAttribute("data-task-id") : "",
    }).then(function (payload) {
      updateCounts(payload.lists);
    }).catch(function (error) {
      putBack(card, event.from, event.oldIndex);
      toast(error.message, "error");
    }).finally(function () {
      card.classList.remove("saving");
    });
  }

  function listDropped(event) {
    if (event.oldIndex === event.newIndex) return;
    var column = event.item;
    var columns = document.getElementById("board-columns");
    post(urlFor(columns.getAttribute("data-list-move-url"), column.getAttribute("data-list-id")), {
      index: String(event.newIndex),
    }).catch(function (error) {
      putBack(column, event.from, event.oldIndex);
      toast(error.message, "error");
    });
  }

  function setUpSorting(root) {
    if (!window.Sortable) return;
    within(root, "[data-sortable-cards]").forEach(function (list) {
      if (list.hasAttribute("data-sortable-ready")) return;
      list.setAttribute("data-sortable-ready", "");
      window.Sortable.create(list, {
        group: "cards",
        draggable: ".task-card",
        filter: ".card-move",
        preventOnFilter: false,
        // Pointer events rather than native HTML drag and drop: the same on every browser,
        // touch included (after a short press, so that a swipe still scrolls).
        forceFallback: true,
        fallbackTolerance: 4,
        delay: 180,
        delayOnTouchOnly: true,
        animation: 150,
        ghostClass: "drag-ghost",
        chosenClass: "drag-chosen",
        dragClass: "drag-active",
        onEnd: cardDropped,
      });
    });
    within(root, "[data-sortable-lists]").forEach(function (columns) {
      if (columns.hasAttribute("data-sortable-ready")) return;
      columns.setAttribute("data-sortable-ready", "");
      window.Sortable.create(columns, {
        draggable: ".column",
        handle: ".column-handle",
        forceFallback: true,
        animation: 150,
        ghostClass: "drag-ghost",
        direction: "horizontal",
        onEnd: listDropped,
      });
    });
  }

  // Cards and columns that live updates put into the page.
  document.addEventListener("board:inserted", function (event) {
    if (event.detail && event.detail.element) setUpSorting(event.detail.element);
  });

  // "Show more cards" may bring a card that was added here meanwhile: keep the later one.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("cards")) return;
    var seen = {};
    var cards = target.querySelectorAll(".task-card");
    for (var i = cards.length - 1; i >= 0; i--) {
      var id = cards[i].getAttribute("data-task-id");
      if (seen[id]) cards[i].remove();
      seen[id] = true;
    }
  });

  // -- Start -------------------------------------------------------------------------------

  var started = false;
  function start(root) {
    setUpSorting(root);
    if (!started) {
      started = true;
      // What bench/page_load.py and the browser tests wait for.
      document.documentElement.setAttribute("data-ready", "");
      if (window.performance && performance.mark) performance.mark("taskboard:interactive");
    }
  }

  if (window.htmx) window.htmx.onLoad(start);
  else document.addEventListener("DOMContentLoaded", function () { start(document.body); });
})();
