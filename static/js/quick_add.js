/*
 * "Add a card…" without losing a keystroke (docs/live-updates.md, "The board page").
 *
 * The box is never replaced: Enter takes the title, clears the box at once and puts a
 * pending card at the end of the list; typing goes on while the server answers. The adds
 * of a list are sent one after another, so the cards are created in the order typed. The
 * answer (the same fragment the htmx form used to swap in) replaces the pending card with
 * the card as the server renders it, or shows its error on the pending card, the title
 * kept, with "Try again" and "Dismiss".
 *
 * Our own task.created event comes back over the live stream and may arrive before the
 * answer (static/js/live_board.js puts the card in then): the pending card it stands for
 * gives way to it, and the answer adds nothing. Without JavaScript the form is a plain post.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-board]");
  var me = root ? Number(root.getAttribute("data-live-user") || "0") : 0;
  var queues = {};
  var counter = 0;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    return template.content;
  }

  function emit(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  function cardsOf(listId) { return document.getElementById("cards-" + listId); }

  // -- The pending card ------------------------------------------------------------------

  function pendingCard(listId, title) {
    var card = document.createElement("article");
    card.className = "pending-card";
    card.id = "pending-card-" + (++counter);
    card.setAttribute("data-pending-list", listId);
    card.setAttribute("data-pending-title", title);
    card.setAttribute("aria-busy", "true");
    var text = document.createElement("span");
    text.className = "task-card-title";
    text.textContent = title;
    var state = document.createElement("span");
    state.className = "pending-state";
    state.textContent = "Adding…";
    card.appendChild(text);
    card.appendChild(state);
    return card;
  }

  function failed(card, message, retry) {
    card.classList.add("failed");
    card.removeAttribute("aria-busy");
    card.removeAttribute("data-claimed");
    var state = card.querySelector(".pending-state");
    state.textContent = "";
    var error = document.createElement("span");
    error.className = "pending-error";
    error.setAttribute("role", "alert");
    error.textContent = "Not added: " + message;
    var again = document.createElement("button");
    again.type = "button";
    again.className = "secondary small";
    again.textContent = "Try again";
    again.addEventListener("click", function () {
      card.classList.remove("failed");
      card.setAttribute("aria-busy", "true");
      state.textContent = "Adding…";
      retry();
    });
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "ghost small";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", function () {
      card.classList.remove("failed");
      card.remove();
    });
    state.appendChild(error);
    state.appendChild(again);
    state.appendChild(dismiss);
  }

  // The card as the server rendered it takes the pending card's place (unless the live
  // stream brought it already).
  function settle(card, fresh) {
    card.removeAttribute("aria-busy");
    card.classList.remove("failed");
    if (document.getElementById(fresh.id)) {
      card.remove();
      return;
    }
    if (card.isConnected) card.replaceWith(fresh);
    else {
      var cards = cardsOf(fresh.getAttribute("data-list-id"));
      if (!cards) return;
      cards.appendChild(fresh);
    }
    if (window.htmx) window.htmx.process(fresh);
    emit("board:inserted", { element: fresh });
  }

  function updateCount(fragment) {
    fragment.querySelectorAll("[hx-swap-oob][id^='count-']").forEach(function (fresh) {
      var shown = document.getElementById(fresh.id);
      fresh.removeAttribute("hx-swap-oob");
      if (shown) shown.replaceWith(fresh);
    });
  }

  function errorsOf(fragment) {
    var items = fragment.querySelectorAll(".errorlist li");
    return Array.prototype.map.call(items, function (item) { return item.textContent.trim(); }).join(" ");
  }

  // -- Sending ---------------------------------------------------------------------------

  function send(form, listId, title, card) {
    var body = new URLSearchParams();
    body.set("csrfmiddlewaretoken", csrfToken());
    body.set("list_id", listId);
    body.set("title", title);
    return fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
    }).then(function (response) {
      if (response.redirected) throw new Error("your session has ended. Reload the page to log in again.");
      return response.text().then(function (html) {
        var fragment = parse(html);
        var fresh = fragment.querySelector(".task-card[id^='card-']");
        if (response.ok && fresh) {
          settle(card, fresh);
          updateCount(fragment);
          return;
        }
        var message = errorsOf(fragment);
        if (!message) {
          if (response.status === 403) message = "your role on this board does not allow this.";
          else if (response.status === 404) message = "this list is gone: someone deleted it.";
          else message = "that didn't work. Try again in a moment.";
        }
        throw new Error(message);
      });
    }, function () {
      throw new Error("you seem to be offline. Try again in a moment.");
    }).catch(function (error) {
      if (!card.isConnected) {
        // Dismissed, or the list is gone: the title must not vanish silently.
        emit("toast", { message: "“" + title + "” was not added: " + error.message, kind: "error" });
        return;
      }
      failed(card, error.message, function () { enqueue(form, listId, title, card); });
    });
  }

  // One add at a time per list: the cards are created in the order they were typed.
  function enqueue(form, listId, title, card) {
    var previous = queues[listId] || Promise.resolve();
    var next = previous.then(function () { return send(form, listId, title, card); });
    queues[listId] = next;
  }

  function showEmpty(form, field) {
    var note = form.querySelector(".quick-add-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "errorlist quick-add-error";
      note.id = field.id + "_error";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = "Type a title first.";
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
  }

  function clearEmpty(form, field) {
    var note = form.querySelector(".quick-add-error");
    if (note) note.remove();
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-quick-add]")) return;
    event.preventDefault();
    var field = form.querySelector("input[name=title]");
    var listId = form.querySelector("input[name=list_id]").value;
    var title = field.value.trim();
    field.focus();
    if (!title) {
      showEmpty(form, field);
      return;
    }
    clearEmpty(form, field);
    field.value = "";
    typed[listId] = "";
    var cards = cardsOf(listId);
    var card = pendingCard(listId, title);
    if (cards) cards.appendChild(card);
    pending.push(card);
    card.scrollIntoView({ block: "nearest" });
    enqueue(form, listId, title, card);
  });

  // What is typed in each box, and the pending cards: all the columns may be rendered
  // again (a label changed, or no live stream after the dialog closed), and the new boxes
  // get the text, the focus and the pending cards back.
  var typed = {};
  var focused = null;
  var pending = [];

  function listOf(form) { return form.querySelector("input[name=list_id]").value; }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.matches("form[data-quick-add]")) return;
    clearEmpty(form, event.target);
    typed[listOf(form)] = event.target.value;
  });

  document.addEventListener("focusin", function (event) {
    var form = event.target.form;
    focused = form && form.matches("form[data-quick-add]") && event.target.name === "title" ? listOf(form) : null;
  });

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (!field.form || !field.form.matches("form[data-quick-add]")) return;
    // Still on the page: the person left the box (not the box re-rendered under them).
    window.setTimeout(function () { if (field.isConnected && document.activeElement !== field) focused = null; }, 0);
  });

  function restore(root) {
    if (!root || !root.querySelectorAll || !root.querySelector("form[data-quick-add]")) return;
    root.querySelectorAll("form[data-quick-add]").forEach(function (form) {
      var listId = listOf(form);
      var field = form.querySelector("input[name=title]");
      if (typed[listId] && !field.value) field.value = typed[listId];
      if (focused === listId && document.activeElement !== field) {
        field.focus({ preventScroll: true });
        field.setSelectionRange(field.value.length, field.value.length);
      }
    });
    pending = pending.filter(function (card) { return card.getAttribute("aria-busy") === "true" || card.classList.contains("failed"); });
    pending.forEach(function (card) {
      var cards = cardsOf(card.getAttribute("data-pending-list"));
      if (!card.isConnected && cards) cards.appendChild(card);
    });
  }

  document.addEventListener("board:inserted", function (event) { restore(event.detail && event.detail.element); });
  document.addEventListener("htmx:load", function (event) { restore(event.target); });

  // Our own card came back over the live stream before the answer: it takes the place of
  // the pending card it stands for (the first one of that title in its list).
  document.addEventListener("live:event", function (event) {
    var frame = event.detail || {};
    if (frame.verb !== "task.created" || !frame.actor || frame.actor.id !== me || !frame.data) return;
    var cards = cardsOf(frame.data.list_id);
    if (!cards) return;
    var pending = cards.querySelectorAll(".pending-card:not(.failed):not([data-claimed])");
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].getAttribute("data-pending-title") === frame.data.title) {
        pending[i].setAttribute("data-claimed", String(frame.data.id));
        return;
      }
    }
  });

  document.addEventListener("board:inserted", function (event) {
    var element = event.detail && event.detail.element;
    if (!element || !element.classList || !element.classList.contains("task-card")) return;
    var claimed = document.querySelector(".pending-card[data-claimed='" + element.getAttribute("data-task-id") + "']");
    if (claimed && claimed !== element) claimed.replaceWith(element);
  });
})();
