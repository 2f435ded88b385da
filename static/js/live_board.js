/*
 * Live updates of the board page, the applying half: static/js/live.js hands over the
 * board's events in seq order ("live:event"), and this puts each into the page, card by
 * card and list by list (docs/live-updates.md, "The board page").
 *
 * The server stays the one place that renders a card or a column: a card that appeared or
 * changed is fetched as the page would render it (live/views.py, with the page's
 * filters: a card they hide stays hidden), and put among the list's cards by position. A
 * move needs no request: the card's node goes to its new place. Lists are added, re-headed,
 * reordered and removed the same way. Column counters come with the events that change
 * them (the frame's `lists`), and a card's comment badge with comment events (`task`), so
 * neither asks the server; only frames without them (stored before they existed) fetch the
 * counters. Rare changes that touch many cards (labels, a removed member) refresh all the
 * columns.
 *
 * Everything is idempotent, because our own writes come back as events too (the page has
 * shown them already): a card is placed where the event says, never added twice.
 * Events are applied one at a time, in order, and wait while a card or list is being
 * dragged (SortableJS), and apply after the drop.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-board]");
  if (!root) return;

  var me = Number(root.getAttribute("data-live-user") || "0");
  var queue = [];
  var applying = false;
  var waitTimer = null;
  var countsTimer = null;
  var DRAGGING = ".drag-chosen, .sortable-chosen";

  function columns() { return document.getElementById("board-columns"); }

  function emit(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  function byOthers(frame) { return !!(frame.actor && frame.actor.id !== me); }

  function actorName(frame) { return (frame.actor && frame.actor.name) || "Someone"; }

  // -- Requests ----------------------------------------------------------------------------

  function liveUrl(attribute, id) {
    var url = columns().getAttribute(attribute).replace(/\/0\/$/, "/" + id + "/");
    var query = columns().getAttribute("data-filter-query");
    return query ? url + "?" + query : url;
  }

  function get(url, headers) {
    return fetch(url, { credentials: "same-origin", headers: headers || {} }).then(function (response) {
      // Signed out: the request ended on the login page.
      if (response.redirected) throw new Error("redirected to " + response.url);
      if (response.status === 204 || response.status === 404) return null;
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = (html || "").trim();
    return template.content.firstElementChild;
  }

  function activate(element) {
    if (window.htmx) window.htmx.process(element);
    emit("board:inserted", { element: element });
  }

  // -- Cards -------------------------------------------------------------------------------

  function sortKey(element) {
    return [Number(element.getAttribute("data-position")), Number(element.getAttribute("data-task-id") || element.getAttribute("data-list-id"))];
  }

  function sortsBefore(a, b) { return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]); }

  function hasMoreCards(listId) {
    var more = document.getElementById("more-" + listId);
    return !!(more && more.querySelector(".load-more"));
  }

  // Puts the card node (fresh, or already in the page) among its list's cards by position.
  // A new card past the list's last loaded card stays out ("Show more" brings it); one the
  // page shows already stays in sight, at the end of what is loaded.
  function putCard(node) {
    var listId = node.getAttribute("data-list-id");
    var existing = document.getElementById(node.id);
    var shown = !!existing;
    if (existing && existing !== node) existing.replaceWith(node);
    var container = document.getElementById("cards-" + listId);
    if (!container) { node.remove(); return false; }
    var key = sortKey(node);
    var next = null;
    var cards = container.querySelectorAll(":scope > .task-card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i] !== node && sortsBefore(key, sortKey(cards[i]))) { next = cards[i]; break; }
    }
    if (!next && !shown && hasMoreCards(listId)) return false;
    var following = node.nextElementSibling;
    if (node.parentNode !== container || following !== next) container.insertBefore(node, next);
    if (node !== existing) activate(node);
    return true;
  }

  function flash(node) {
    node.classList.remove("live-changed");
    void node.offsetWidth;  // restart the animation
    node.classList.add("live-changed");
    window.setTimeout(function () { node.classList.remove("live-changed"); }, 2500);
  }

  // The card as the server renders it now; gone from the page if deleted or filtered out.
  function refreshCard(taskId, frame) {
    return get(liveUrl("data-card-url", taskId)).then(function (html) {
      var node = html ? parse(html) : null;
      var existing = document.getElementById("card-" + taskId);
      if (!node) {
        if (existing) existing.remove();
        return;
      }
      if (putCard(node) && frame && byOthers(frame)) flash(node);
    });
  }

  function moveCard(frame) {
    var data = frame.data;
    (data.positions || []).forEach(function (moved) {
      var other = document.getElementById("card-" + moved.id);
      if (other) other.setAttribute("data-position", String(moved.position));
    });
    if (byOthers(frame)) emit("toast", { message: "“" + data.title + "” moved by " + actorName(frame) });
    var node = document.getElementById("card-" + data.id);
    if (!node) return refreshCard(data.id, frame);
    node.setAttribute("data-list-id", String(data.list_id));
    node.setAttribute("data-position", String(data.position));
    if (putCard(node) && byOthers(frame)) flash(node);
  }

  function cardOnPage(taskId) { return !!document.getElementById("card-" + taskId); }

  // -- Lists -------------------------------------------------------------------------------

  function putColumn(fresh) {
    var board = columns();
    var existing = document.getElementById(fresh.id);
    if (existing) {
      // The header only: the cards (and anything being done with them) stay.
      var head = fresh.querySelector(".column-head");
      existing.querySelector(".column-head").replaceWith(head);
      existing.className = fresh.className;
      existing.setAttribute("data-position", fresh.getAttribute("data-position"));
      if (window.htmx) window.htmx.process(head);
    } else {
      // Rendered after the event, it may hold cards that later events moved into it: the
      // page shows each card once, where the server says it is now.
      fresh.querySelectorAll(".task-card").forEach(function (card) {
        var shown = document.getElementById(card.id);
        if (shown) shown.remove();
      });
      board.appendChild(fresh);
      activate(fresh);
    }
    sortColumns();
  }

  function sortColumns() {
    var board = columns();
    var sections = Array.prototype.slice.call(board.querySelectorAll(":scope > .column"));
    var sorted = sections.slice().sort(function (a, b) {
      var ka = sortKey(a);
      var kb = sortKey(b);
      return sortsBefore(ka, kb) ? -1 : sortsBefore(kb, ka) ? 1 : 0;
    });
    sorted.forEach(function (section, index) {
      if (board.children[index] !== section) board.insertBefore(section, board.children[index] || null);
    });
  }

  function refreshColumn(listId) {
    return get(liveUrl("data-column-url", listId)).then(function (html) {
      var node = html ? parse(html) : null;
      if (node) putColumn(node);
    });
  }

  function moveColumn(data) {
    (data.positions || []).concat([{ id: data.id, position: data.position }]).forEach(function (moved) {
      var section = document.getElementById("list-" + moved.id);
      if (section) section.setAttribute("data-position", String(moved.position));
    });
    sortColumns();
  }

  // Every column again, as the page would render them now.
  function refreshAllColumns() {
    var board = columns();
    return get(board.getAttribute("data-refresh-url"), { "HX-Request": "true" }).then(function (html) {
      var node = html ? parse(html) : null;
      if (!node) return;
      columns().replaceWith(node);
      activate(node);
    });
  }

  // -- Counters ----------------------------------------------------------------------------

  // The new counts the frame carries; else (a frame stored before events carried them)
  // from the server.
  function counts(frame) {
    if (frame.lists) {
      emit("board:counts", { lists: frame.lists });
      return;
    }
    countsSoon();
  }

  function countsSoon() {
    // Several changes in a row make one request.
    window.clearTimeout(countsTimer);
    countsTimer = window.setTimeout(function () {
      fetch(columns().getAttribute("data-counts-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok && !response.redirected ? response.json() : null; })
        .then(function (payload) { if (payload) emit("board:counts", { lists: payload.lists }); })
        .catch(function () { /* the next change asks again */ });
    }, 150);
  }

  // -- Comment badges ----------------------------------------------------------------------

  function plural(count) { return count === 1 ? "" : "s"; }

  // The card's comment badge as _card.html renders it, from the frame's count: the page's
  // <template id="comment-badge-template"> (boards/board.html) gives its markup.
  function setCommentCount(taskId, count) {
    var node = document.getElementById("card-" + taskId);
    if (!node) return;
    var badge = node.querySelector("[data-comment-badge]");
    var meta = node.querySelector(".task-card-meta");
    if (!count) {
      if (badge) badge.remove();
      if (meta && !meta.children.length) meta.remove();
      return;
    }
    if (!badge) {
      var template = document.getElementById("comment-badge-template");
      if (!template) return refreshCard(taskId, null);
      badge = template.content.firstElementChild.cloneNode(true);
      if (!meta) {
        meta = document.createElement("div");
        meta.className = "task-card-meta";
        node.querySelector(".task-card-title").after(meta);
      }
      // Where _card.html puts it: before the assignees' avatars.
      meta.insertBefore(badge, meta.querySelector(".avatars"));
    }
    badge.title = count + " comment" + plural(count);
    badge.querySelector("[data-comment-count]").textContent = String(count);
    badge.querySelector(".visually-hidden").textContent = " comment" + plural(count);
  }

  function commentsChanged(frame) {
    var taskId = frame.data.task_id;
    if (!cardOnPage(taskId)) return;
    if (frame.task && frame.task.id === taskId) return setCommentCount(taskId, frame.task.comment_count);
    return refreshCard(taskId, null);
  }

  // -- The open card -----------------------------------------------------------------------

  // The card open in the dialog was changed by someone else: say so (the form may be stale;
  // saving it anyway is refused and shows the current version).
  function noteInDialog(frame, taskId) {
    var detail = document.querySelector("#task-dialog[open] #task-detail");
    if (!detail || !byOthers(frame) || Number(detail.getAttribute("data-task-id")) !== taskId) return;
    var note = detail.querySelector(".live-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "live-note";
      note.setAttribute("role", "status");
      detail.querySelector(".task-detail-head").appendChild(note);
    }
    var deleted = frame.verb === "task.deleted";
    note.textContent = actorName(frame) + (deleted ? " deleted this card." : " changed this card — reload to see the changes.");
    if (!deleted) {
      var reload = document.createElement("button");
      reload.type = "button";
      reload.className = "secondary small";
      reload.setAttribute("data-reload-card", detail.getAttribute("data-dialog-url"));
      reload.textContent = "Reload";
      note.appendChild(document.createTextNode(" "));
      note.appendChild(reload);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-reload-card]") : null;
    if (!button || !window.htmx) return;
    window.htmx.ajax("GET", button.getAttribute("data-reload-card"), { target: "#task-dialog-body" });
  });

  // -- Events ------------------------------------------------------------------------------

  function apply(frame) {
    var data = frame.data || {};
    switch (frame.verb) {
      case "task.created":
        counts(frame);
        return refreshCard(data.id, frame);
      case "task.updated":
      case "task.completed":
      case "task.reopened":
        noteInDialog(frame, data.id);
        return refreshCard(data.id, frame);
      case "task.moved":
        noteInDialog(frame, data.id);
        counts(frame);
        return moveCard(frame);
      case "task.deleted":
        noteInDialog(frame, data.id);
        counts(frame);
        var gone = document.getElementById("card-" + data.id);
        if (gone) gone.remove();
        return;
      case "comment.created":
      case "comment.deleted":
        noteInDialog(frame, data.task_id);
        return commentsChanged(frame);
      case "comment.updated":
        return noteInDialog(frame, data.task_id);
      case "list.created":
      case "list.updated":
        return refreshColumn(data.id);
      case "list.moved":
        return moveColumn(data);
      case "list.deleted":
        var section = document.getElementById("list-" + data.id);
        if (section) section.remove();
        return;
      case "label.updated":
      case "label.deleted":
      case "member.removed":
        return refreshAllColumns();
      case "member.role_changed":
        // What this page offers depends on the role: render it for the new one.
        if (data.user && data.user.id === me) window.location.reload();
        return;
      case "board.updated":
        var title = document.querySelector(".board-title");
        if (title && data.title) title.textContent = data.title;
        return;
      default:
        // board.created, member.added, label.created: nothing on the page shows them.
        return;
    }
  }

  function dragging() { return !!document.querySelector(DRAGGING); }

  function applyNext() {
    if (applying || !queue.length || !columns()) return;
    if (dragging()) {
      // After the drop (SortableJS offers no "any drag over" event across lists).
      if (waitTimer === null) {
        waitTimer = window.setTimeout(function () { waitTimer = null; applyNext(); }, 200);
      }
      return;
    }
    applying = true;
    var frame = queue.shift();
    Promise.resolve()
      .then(function () { return apply(frame); })
      .catch(function () {
        // A fetch failed (offline for a moment?): the server's columns are the truth.
        return refreshAllColumns().catch(function () { /* live.js reconnects and resyncs */ });
      })
      .then(function () {
        applying = false;
        applyNext();
      });
  }

  // Our own quick add answers with the new card as an out-of-band append; when its event
  // came back first, the card is on the page already and must not be appended twice.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail && event.detail.fragment;
    if (!fragment || !fragment.querySelectorAll) return;
    fragment.querySelectorAll(".task-card[id]").forEach(function (card) {
      if (document.getElementById(card.id)) card.remove();
    });
  });

  document.addEventListener("live:event", function (event) {
    queue.push(event.detail);
    applyNext();
  });
})();
