/*
 * The card dialog never loses what was typed (docs/live-updates.md, "The board page").
 *
 * Fields save when the person leaves them, as Trello does: leaving a changed field, ticking
 * a box, choosing a priority, or closing the dialog (Esc, a click outside, Close) sends the
 * card's form to its usual save address (the same form and fields "Save changes" sends, so
 * the server's checks and merging apply). Saves of a card go one after another. The answer
 * replaces the card's detail, except what the person changed since the save was sent (and
 * the comments section, which may hold a half-written comment), and focus stays where it is.
 *
 * Meanwhile every change to the title, the description and the new-comment box is kept in
 * this browser (localStorage, per user, card and field, with the card version it was based
 * on) until it is saved; opening the card again offers such a draft back ("Restore" or
 * "Discard"). Drafts of other users and drafts older than a week are dropped.
 */
(function () {
  "use strict";

  var PREFIX = "taskboard:draft:";
  var MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
  var MAX_DRAFTS = 100;
  var FIELDS = [
    { selector: ".task-form [name=title]", key: "title" },
    { selector: ".task-form [name=description]", key: "description" },
    { selector: ".comment-form [name=body]", key: "comment" },
  ];

  var meta = document.querySelector('meta[name="user-id"]');
  var me = meta ? meta.getAttribute("content") : "";
  if (!me) return;

  var baselines = new WeakMap();
  var chains = {};
  var lastQueued = {};
  var latestHidden = {};
  var swapping = false;

  function emit(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  function toast(message, kind) { emit("toast", { message: message, kind: kind }); }

  function csrfToken() {
    var tag = document.querySelector('meta[name="csrf-token"]');
    return tag ? tag.getAttribute("content") : "";
  }

  // -- Drafts in localStorage --------------------------------------------------------------

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function draftKey(taskId, field) { return PREFIX + me + ":" + taskId + ":" + field; }

  function readDraft(key) {
    var store = storage();
    if (!store) return null;
    try {
      var draft = JSON.parse(store.getItem(key) || "null");
      if (!draft || typeof draft.text !== "string" || typeof draft.at !== "number") return null;
      if (Date.now() - draft.at > MAX_AGE_MS) { store.removeItem(key); return null; }
      return draft;
    } catch (error) {
      return null;
    }
  }

  function removeDraft(key) {
    var store = storage();
    if (store) store.removeItem(key);
  }

  function writeDraft(key, text, version) {
    var store = storage();
    if (!store) return;
    var value = JSON.stringify({ text: text, version: version, at: Date.now() });
    try {
      store.setItem(key, value);
    } catch (error) {
      // Full: make room by dropping the oldest drafts, once.
      prune(Math.floor(MAX_DRAFTS / 2));
      try { store.setItem(key, value); } catch (again) { /* nothing more to do */ }
    }
  }

  // Drops other users' drafts, old ones, and the oldest beyond `keep`.
  function prune(keep) {
    var store = storage();
    if (!store) return;
    var mine = [];
    var keys = [];
    for (var i = 0; i < store.length; i++) keys.push(store.key(i));
    keys.forEach(function (key) {
      if (!key || key.indexOf(PREFIX) !== 0) return;
      var owner = key.slice(PREFIX.length).split(":")[0];
      var draft = owner === me ? readDraft(key) : null;
      if (!draft) store.removeItem(key);
      else mine.push({ key: key, at: draft.at });
    });
    mine.sort(function (a, b) { return b.at - a.at; });
    mine.slice(keep).forEach(function (entry) { store.removeItem(entry.key); });
  }

  function fieldOf(control) {
    if (!control || !control.matches) return null;
    for (var i = 0; i < FIELDS.length; i++) {
      if (control.matches(FIELDS[i].selector)) return FIELDS[i].key;
    }
    return null;
  }

  function detailOf(element) { return element && element.closest ? element.closest("#task-detail") : null; }

  function taskIdOf(detail) { return detail.getAttribute("data-task-id"); }

  function controlFor(detail, field) {
    for (var i = 0; i < FIELDS.length; i++) {
      if (FIELDS[i].key === field) return detail.querySelector(FIELDS[i].selector);
    }
    return null;
  }

  document.addEventListener("input", function (event) {
    var control = event.target;
    var field = fieldOf(control);
    var detail = field ? detailOf(control) : null;
    if (!detail) return;
    var key = draftKey(taskIdOf(detail), field);
    if (control.value === control.defaultValue) removeDraft(key);
    else writeDraft(key, control.value, detail.getAttribute("data-version"));
  });

  function when(at) {
    return new Date(at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // Offers each field's draft back, unless the field shows that text already. `clean`: the
  // detail shows the card as saved, so a draft equal to it is done with.
  function offerDrafts(detail, clean) {
    FIELDS.forEach(function (spec) {
      var control = detail.querySelector(spec.selector);
      if (!control) return;
      var key = draftKey(taskIdOf(detail), spec.key);
      var draft = readDraft(key);
      var shown = control.parentNode.querySelector(".draft-offer[data-draft-field='" + spec.key + "']");
      if (!draft || draft.text === control.value) {
        if (draft && clean && control.value === control.defaultValue) removeDraft(key);
        if (shown) shown.remove();
        return;
      }
      if (shown) return;
      var offer = document.createElement("div");
      offer.className = "draft-offer";
      offer.setAttribute("role", "status");
      offer.setAttribute("data-draft-field", spec.key);
      var text = document.createElement("span");
      var stale = draft.version && draft.version !== detail.getAttribute("data-version");
      text.textContent = "You have an unsaved draft from " + when(draft.at) + (stale ? " (the card has changed since)" : "") + ".";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "secondary small";
      restore.textContent = "Restore";
      restore.setAttribute("data-draft-restore", "");
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "ghost small";
      discard.textContent = "Discard";
      discard.setAttribute("data-draft-discard", "");
      offer.appendChild(text);
      offer.appendChild(restore);
      offer.appendChild(discard);
      control.insertAdjacentElement("afterend", offer);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-draft-restore], [data-draft-discard]") : null;
    if (!button) return;
    var offer = button.closest(".draft-offer");
    var detail = detailOf(offer);
    if (!detail) return;
    var field = offer.getAttribute("data-draft-field");
    var key = draftKey(taskIdOf(detail), field);
    var control = controlFor(detail, field);
    var draft = readDraft(key);
    offer.remove();
    if (button.hasAttribute("data-draft-discard") || !draft || !control) {
      removeDraft(key);
      if (control) control.focus();
      return;
    }
    control.value = draft.text;
    control.focus();
    // Kept as a draft (now based on this version) until it is saved.
    writeDraft(key, draft.text, detail.getAttribute("data-version"));
  });

  // -- Saving when a field is left ---------------------------------------------------------

  function editable(control) {
    return control.name && !control.disabled && ["hidden", "submit", "button", "reset"].indexOf(control.type) < 0;
  }

  function identity(control) {
    return control.type === "checkbox" || control.type === "radio" ? control.name + "=" + control.value : control.name;
  }

  function valueOf(control) {
    if (control.type === "checkbox" || control.type === "radio") return control.checked ? "1" : "";
    if (control.tagName === "SELECT") {
      return Array.prototype.filter.call(control.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; }).join("\n");
    }
    return control.value;
  }

  function snapshot(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (editable(control)) values[identity(control)] = valueOf(control);
    });
    return values;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function remember(form) { if (form && !baselines.has(form)) baselines.set(form, snapshot(form)); }

  function dirty(form) {
    var baseline = baselines.get(form);
    return !!baseline && !same(baseline, snapshot(form));
  }

  function triggers(response) {
    var header = response.headers.get("HX-Trigger");
    if (!header) return {};
    try {
      var parsed = JSON.parse(header);
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (error) {
      var names = {};
      header.split(",").forEach(function (name) { if (name.trim()) names[name.trim()] = {}; });
      return names;
    }
  }

  function setValue(control, value) {
    if (control.type === "checkbox" || control.type === "radio") control.checked = value === "1";
    else if (control.tagName === "SELECT") {
      var chosen = value.split("\n");
      Array.prototype.forEach.call(control.options, function (o) { o.selected = chosen.indexOf(o.value) >= 0; });
    } else control.value = value;
  }

  // The server's detail in place of the shown one, keeping what was typed since `sent`.
  function swapIn(current, fresh, sent) {
    var form = current.querySelector(".task-form");
    var freshForm = fresh.querySelector(".task-form");
    var active = document.activeElement;
    var activeId = active && current.contains(active) ? active.id : "";
    var wasSubmit = !!(active && active.type === "submit" && form && form.contains(active));
    var sameKind = active && !activeId && !wasSubmit && current.contains(active)
      ? Array.prototype.indexOf.call(current.querySelectorAll(active.tagName), active) : -1;
    var selection = null;
    try {
      if (active && typeof active.selectionStart === "number") selection = [active.selectionStart, active.selectionEnd];
    } catch (error) { selection = null; }
    if (freshForm) baselines.set(freshForm, snapshot(freshForm));
    if (form && freshForm) {
      var now = snapshot(form);
      Array.prototype.forEach.call(freshForm.elements, function (control) {
        var id = editable(control) ? identity(control) : null;
        if (id && id in now && now[id] !== sent[id]) setValue(control, now[id]);
      });
    }
    // The comments stay as they are: a comment being written or edited goes on.
    var comments = current.querySelector("#comments");
    var freshComments = fresh.querySelector("#comments");
    var keepActive = !!(active && comments && comments.contains(active));
    swapping = true;
    try {
      if (comments && freshComments) freshComments.replaceWith(comments);
      current.replaceWith(fresh);
    } finally {
      swapping = false;
    }
    if (window.htmx) window.htmx.process(fresh);
    var focus = keepActive ? active : activeId ? document.getElementById(activeId) : wasSubmit && freshForm ? freshForm.querySelector("[type=submit]") : null;
    // An element without an id (a button, a summary): its counterpart, so the focus stays
    // where it was in the dialog (never on the page body).
    if (!focus && sameKind >= 0) focus = fresh.querySelectorAll(active.tagName)[sameKind] || null;
    if (focus && fresh.contains(focus)) {
      focus.focus({ preventScroll: true });
      if (selection && typeof focus.setSelectionRange === "function") {
        try { focus.setSelectionRange(selection[0], selection[1]); } catch (error) { /* not a text field */ }
      }
    }
  }

  function clearSavedDrafts(taskId, detail, sent) {
    FIELDS.forEach(function (spec) {
      if (spec.key === "comment") return;
      var key = draftKey(taskId, spec.key);
      var draft = readDraft(key);
      if (!draft) return;
      var control = detail ? controlFor(detail, spec.key) : null;
      if (control ? control.value === control.defaultValue : draft.text === sent[spec.key]) removeDraft(key);
    });
  }

  function send(url, body, sent, taskId) {
    if (latestHidden[taskId]) {
      // A save sent before this one answered: this one is based on what it saved.
      Object.keys(latestHidden[taskId]).forEach(function (name) { body.set(name, latestHidden[taskId][name]); });
    }
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "HX-Target": "task-detail" },
      body: body,
    }).then(function (response) {
      if (response.redirected) throw new Error("Your session has ended. Your changes are kept in this browser: log in again and reopen the card.");
      return response.text().then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var fresh = template.content.querySelector("#task-detail");
        if (!fresh) throw new Error(response.status === 403 ? "Your role on this board does not allow this." : "The card was not saved: reload the page and try again. Your changes are kept in this browser.");
        var events = triggers(response);
        var saved = response.ok && "taskChanged" in events;
        Object.keys(events).forEach(function (name) { emit(name, events[name]); });
        var freshForm = fresh.querySelector(".task-form");
        if (saved && freshForm) {
          var hidden = {};
          Array.prototype.forEach.call(freshForm.querySelectorAll("input[type=hidden][name]"), function (input) {
            if (input.name !== "csrfmiddlewaretoken") hidden[input.name] = input.value;
          });
          latestHidden[taskId] = hidden;
        }
        var current = document.getElementById("task-detail");
        var shown = current && taskIdOf(current) === taskId;
        if (shown) swapIn(current, fresh, sent);
        if (saved) clearSavedDrafts(taskId, shown ? fresh : null, sent);
        else if (shown) offerDrafts(fresh, false);
        else toast("Your changes to a card were not saved. They are kept in this browser: open the card again to restore them.", "error");
        return saved;
      });
    }).catch(function (error) {
      toast(error && error.message && error.message.indexOf("Failed to fetch") < 0 ? error.message : "You seem to be offline: the card was not saved. Your changes are kept in this browser.", "error");
      return false;
    });
  }

  // A clash after a merge by field waits for the person's choice (static/js/merge_choice.js):
  // its form holds their value as the base, so a save without the choice would silently
  // keep "Yours". Nothing is saved until every clash is chosen; the text stays a draft.
  function unresolved(form) {
    var chosen = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[type=radio][name^='resolve-']"), function (radio) {
      chosen[radio.name] = chosen[radio.name] || radio.checked;
    });
    return Object.keys(chosen).some(function (name) { return !chosen[name]; });
  }

  function firstShown(root, selectors) {
    for (var i = 0; i < selectors.length; i++) {
      var found = root.querySelectorAll(selectors[i]);
      for (var j = 0; j < found.length; j++) {
        if (found[j].offsetWidth || found[j].offsetHeight || found[j].getClientRects().length) return found[j];
      }
    }
    return null;
  }

  // After "Save changes" the focus goes to what the save answered (WCAG 2.4.3, as
  // static/js/focus.js does for htmx): the clash or error, else "Saved.". Unless the person
  // moved on to a field meanwhile.
  function afterSubmit(taskId) {
    (chains[taskId] || Promise.resolve()).then(function () {
      var detail = document.getElementById("task-detail");
      if (!detail || taskIdOf(detail) !== taskId) return;
      var active = document.activeElement;
      if (active && active !== document.body && detail.contains(active) && active.type !== "submit") return;
      var message = firstShown(detail, [".errorlist.nonfield[role=alert]", "[aria-invalid='true']", ".saved-note"]);
      if (!message) return;
      if (!message.matches("a[href], button, input, select, textarea, [tabindex]")) message.setAttribute("tabindex", "-1");
      message.focus();
    });
  }

  function save(form, force, submitter) {
    var detail = detailOf(form);
    if (!detail) return;
    var taskId = taskIdOf(detail);
    if (unresolved(form)) return false;
    var sent = snapshot(form);
    // Leaving a field by clicking "Save changes" saves once, not twice.
    if ((!force && !dirty(form)) || same(sent, lastQueued[taskId])) {
      if (force) afterSubmit(taskId);
      return true;
    }
    lastQueued[taskId] = sent;
    var body = new URLSearchParams(submitter ? new FormData(form, submitter) : new FormData(form));
    var url = form.getAttribute("action");
    chains[taskId] = (chains[taskId] || Promise.resolve(true)).then(function () {
      return send(url, body, sent, taskId);
    }).then(function (saved) {
      if (!saved) lastQueued[taskId] = null;
      return saved;
    });
    if (force) afterSubmit(taskId);
    return true;
  }

  // Leaving a changed field saves it. A field's own buttons (the description's Preview) are
  // part of it: previewing is not leaving, and a mention notifies only once saved.
  document.addEventListener("focusout", function (event) {
    if (swapping) return;
    var control = event.target;
    var form = control && control.form;
    if (!form || !form.matches(".task-form")) return;
    var group = control.closest(".field");
    if (group && event.relatedTarget && group.contains(event.relatedTarget)) return;
    if (editable(control)) {
      if (control.type === "checkbox" || control.type === "radio" || control.tagName === "SELECT") return;
    } else if (!group || control.type === "submit") return;
    save(form, false);
  });

  document.addEventListener("change", function (event) {
    var control = event.target;
    var form = control && control.form;
    if (!form || !form.matches(".task-form")) return;
    // A merge choice (resolve-*) is saved with the next save, as its note says.
    if (/^resolve-/.test(control.name)) return;
    if (control.type === "checkbox" || control.type === "radio" || control.tagName === "SELECT") save(form, false);
  });

  // "Save changes" goes the same way (after any save still on its way, never beside it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(".task-form") || !detailOf(form)) return;
    event.preventDefault();
    event.stopPropagation();
    save(form, true, event.submitter && event.submitter.name ? event.submitter : null);
  }, true);

  // Closing the dialog (Esc, a click outside, Close) saves what is still unsaved; this runs
  // before static/js/app.js empties the dialog.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    var form = dialog.querySelector("#task-detail .task-form");
    if (form && save(form, false) === false) {
      toast("A change clashed with someone else's and waits for your choice: it was not saved. Your text is kept in this browser: open the card again to restore it.", "error");
    }
  }, true);

  // Other requests from the card (complete, move, comment) wait for its saves: the card's
  // version they change must not overtake a save on its way.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = detailOf(event.target);
    var chain = detail ? chains[taskIdOf(detail)] : null;
    if (!chain) return;
    event.preventDefault();
    chain.then(function () { event.detail.issueRequest(true); });
  });

  // -- The card opened or re-rendered ------------------------------------------------------

  function opened(root) {
    var detail = root && root.querySelector ? (root.id === "task-detail" ? root : root.querySelector("#task-detail")) : null;
    if (!detail) return;
    remember(detail.querySelector(".task-form"));
    offerDrafts(detail, true);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    if (target.id === "comments" || (target.closest && target.closest("#comments"))) {
      // Posted: the new-comment box is empty again, and its draft is done with.
      var detail = detailOf(document.getElementById("comments"));
      var box = detail ? controlFor(detail, "comment") : null;
      if (detail && box && box.value === "") removeDraft(draftKey(taskIdOf(detail), "comment"));
      return;
    }
    opened(target.id === "task-detail" ? document.getElementById("task-detail") : target);
  });

  prune(MAX_DRAFTS);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { opened(document); });
  else opened(document);
})();
