/*
 * Mentions in comment and description boxes (textarea[data-mentions]): typing "@" offers the
 * board's members, filtered as one types; ↑/↓ choose, Enter or Tab (or a click, or a tap)
 * inserts the member as "@<email>", the reference the server resolves (tasks/mentions.py),
 * and Esc dismisses the list without closing the dialog. Under the box, a mention that will
 * notify nobody is pointed out before posting. Ctrl/Cmd+Enter in a comment box
 * (textarea[data-submit-shortcut]) posts it.
 *
 * The members come from the page: the card's fragment carries them as JSON in the
 * data-members attribute of #mention-members (not a <script type="application/json"> data
 * block: htmx, configured without script tags, drops every script element it swaps in).
 *
 * Accessibility: a textarea may have no role other than its own, so it is not made a
 * combobox; it is the textbox of the pattern instead, with aria-autocomplete="list",
 * aria-controls and aria-activedescendant pointing into a role="listbox", and a status line
 * that says how many members match.
 */
(function () {
  "use strict";

  var MAX_OPTIONS = 8;
  var MAX_QUERY = 64;
  // As on the server: "@" right after these is part of an address, not a mention.
  var BEFORE_MENTION = /[\w@.+-]/;
  var EMAIL_MENTION = /(?<![\w@.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
  var HANDLE = /(?<![\w@.+-])@(\w[\w.+-]*)/g;
  var CODE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;

  var open = null; // {field, start, list, options, active, items}
  var dismissedAt = null; // {field, start}: Esc closed the list for this "@"
  var cache = {element: null, members: [], complete: true};
  var warnTimer = 0;
  var counter = 0;

  function members() {
    var element = document.getElementById("mention-members");
    // No list on this page: offer nobody, and warn about nothing.
    if (!element) return cache = {element: null, members: [], complete: false};
    if (element !== cache.element) {
      var data = {};
      try { data = JSON.parse(element.getAttribute("data-members") || "{}"); } catch (error) { data = {}; }
      cache = {element: element, members: data.members || [], complete: data.complete !== false};
    }
    return cache;
  }

  function byEmail() {
    var map = {};
    members().members.forEach(function (member) { map[member.email.toLowerCase()] = member; });
    return map;
  }

  function matches(member, query) {
    if (!query) return true;
    var name = (member.name || "").toLowerCase();
    if (name.indexOf(query) === 0 || member.email.toLowerCase().indexOf(query) === 0) return true;
    return name.split(/\s+/).some(function (word) { return word.indexOf(query) === 0; });
  }

  function filter(query) {
    query = query.toLowerCase();
    return members().members.filter(function (member) { return matches(member, query); }).slice(0, MAX_OPTIONS);
  }

  function ensureId(element, prefix) {
    if (!element.id) element.id = prefix + "-" + (++counter);
    return element.id;
  }

  // -- Where the "@" being typed starts -------------------------------------------------------

  function trigger(field) {
    if (field.selectionStart !== field.selectionEnd) return null;
    var text = field.value;
    var caret = field.selectionStart;
    for (var i = caret - 1; i >= 0 && i >= caret - MAX_QUERY - 1; i--) {
      var char = text.charAt(i);
      if (char === "\n") return null;
      if (char === "@" && (i === 0 || !BEFORE_MENTION.test(text.charAt(i - 1)))) {
        var query = text.slice(i + 1, caret);
        if (/^\s/.test(query) || (query.match(/\s/g) || []).length > 3) return null;
        return {start: i, query: query};
      }
    }
    return null;
  }

  // -- The list ---------------------------------------------------------------------------------

  function status(field) {
    var id = ensureId(field, "mention-field") + "-mention-status";
    var line = document.getElementById(id);
    if (!line) {
      line = document.createElement("p");
      line.id = id;
      line.className = "visually-hidden";
      line.setAttribute("role", "status");
      field.insertAdjacentElement("afterend", line);
    }
    return line;
  }

  function close() {
    if (!open) return;
    open.list.remove();
    open.field.removeAttribute("aria-activedescendant");
    open.field.removeAttribute("aria-controls");
    status(open.field).textContent = "";
    open = null;
  }

  function setActive(index) {
    open.active = (index + open.items.length) % open.items.length;
    open.options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === open.active ? "true" : "false");
      option.classList.toggle("active", i === open.active);
    });
    var current = open.options[open.active];
    open.field.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({block: "nearest"});
  }

  function show(field, start, items) {
    var list = open && open.field === field ? open.list : null;
    if (!list) {
      close();
      list = document.createElement("ul");
      list.id = ensureId(field, "mention-field") + "-mention-list";
      list.className = "mention-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Board members");
      field.insertAdjacentElement("afterend", list);
      field.setAttribute("aria-controls", list.id);
    }
    list.textContent = "";
    var options = items.map(function (member, index) {
      var option = document.createElement("li");
      option.id = list.id + "-" + index;
      option.className = "mention-option";
      option.setAttribute("role", "option");
      option.setAttribute("data-index", String(index));
      var avatar = document.createElement("span");
      avatar.className = "avatar small " + member.tone;
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = member.initials;
      var name = document.createElement("span");
      name.className = "mention-option-name";
      name.textContent = member.name || member.email;
      var email = document.createElement("span");
      email.className = "mention-option-email";
      email.textContent = member.email;
      option.append(avatar, name, email);
      list.appendChild(option);
      return option;
    });
    var fresh = !open || open.list !== list;
    open = {field: field, start: start, list: list, options: options, items: items, active: 0};
    // In the dialog the box may be at the bottom of what shows: bring the whole list in view.
    if (fresh) list.scrollIntoView({block: "nearest"});
    setActive(0);
    status(field).textContent = items.length === 1
      ? "1 member: Enter to insert, Esc to dismiss."
      : items.length + " members: up and down arrows to choose, Enter to insert, Esc to dismiss.";
  }

  function pick(index) {
    if (!open) return;
    var field = open.field;
    var member = open.items[index];
    var caret = field.selectionStart;
    var after = field.value.slice(caret).replace(/^\S*/, "");
    var inserted = "@" + member.email + " ";
    var before = field.value.slice(0, open.start) + inserted;
    close();
    field.value = before + after.replace(/^ /, "");
    field.focus();
    field.setSelectionRange(before.length, before.length);
    // Others listening (drafts, autosave) hear of the change as of typing.
    field.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function refresh(field) {
    var found = trigger(field);
    if (!found) { close(); return; }
    if (dismissedAt && dismissedAt.field === field && dismissedAt.start === found.start) return;
    dismissedAt = null;
    var items = filter(found.query);
    if (!items.length) { close(); return; }
    show(field, found.start, items);
  }

  // -- Mentions that will notify nobody ------------------------------------------------------------

  function warningsOf(field) {
    var text = field.value.replace(CODE, function (code) { return " ".repeat(code.length); });
    var known = byEmail();
    var complete = members().complete;
    var seen = {};
    var warnings = [];
    var typing = open && open.field === field ? open.start : -1;
    text.replace(EMAIL_MENTION, function (all, email, offset) {
      email = email.toLowerCase().replace(/\.+$/, "");
      if (complete && !known[email] && !seen[email]) {
        seen[email] = true;
        warnings.push(email + " is not a member of this board: they won't be notified.");
      }
      return all;
    });
    text.replace(EMAIL_MENTION, function (all) { return " ".repeat(all.length); })
      .replace(HANDLE, function (all, handle, offset) {
        handle = handle.replace(/\.+$/, "");
        if (offset === typing || seen["@" + handle]) return all;
        seen["@" + handle] = true;
        var like = filter(handle);
        if (like.length) {
          warnings.push("@" + handle + " mentions nobody yet: type @ and pick " +
            (like[0].name || like[0].email) + " from the list.");
        } else if (complete) {
          warnings.push("@" + handle + " matches no member of this board.");
        }
        return all;
      });
    return warnings;
  }

  function warn(field) {
    var id = ensureId(field, "mention-field") + "-mention-warnings";
    var box = document.getElementById(id);
    var warnings = warningsOf(field);
    if (!warnings.length) {
      if (box) box.remove();
      var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (token) {
        return token && token !== id;
      });
      if (described.length) field.setAttribute("aria-describedby", described.join(" "));
      else field.removeAttribute("aria-describedby");
      return;
    }
    if (!box) {
      box = document.createElement("ul");
      box.id = id;
      box.className = "mention-warnings";
      box.setAttribute("aria-live", "polite");
      var anchor = open && open.field === field ? open.list : field;
      anchor.insertAdjacentElement("afterend", box);
      var tokens = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (tokens.indexOf(id) < 0) tokens.push(id);
      field.setAttribute("aria-describedby", tokens.join(" "));
    }
    box.textContent = "";
    warnings.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      box.appendChild(item);
    });
  }

  function isMentionField(element) {
    return element instanceof HTMLTextAreaElement && element.hasAttribute("data-mentions");
  }

  // -- Events -------------------------------------------------------------------------------------

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!isMentionField(field)) return;
    refresh(field);
    window.clearTimeout(warnTimer);
    warnTimer = window.setTimeout(function () { if (field.isConnected) warn(field); }, 200);
  });

  // Capture: the list handles its keys before the dialog (Esc) or anything else hears them.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!isMentionField(field) || event.isComposing) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      if (!field.hasAttribute("data-submit-shortcut") || !field.form) return;
      event.preventDefault();
      close();
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
      return;
    }
    if (!open || open.field !== field) return;
    var handled = true;
    if (event.key === "ArrowDown") setActive(open.active + 1);
    else if (event.key === "ArrowUp") setActive(open.active - 1);
    else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.altKey) pick(open.active);
    else if (event.key === "Escape") {
      dismissedAt = {field: field, start: open.start};
      close();
      warn(field); // the mention being typed is done: say now if it notifies nobody
    } else handled = false;
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Moving the caret elsewhere (arrows left and right, Home, a click) follows it.
  document.addEventListener("keyup", function (event) {
    if (!isMentionField(event.target)) return;
    if (["ArrowLeft", "ArrowRight", "Home", "End"].indexOf(event.key) >= 0) refresh(event.target);
  });

  // Keep the focus in the box while a member is clicked or tapped.
  document.addEventListener("mousedown", function (event) {
    if (open && event.target.closest && event.target.closest(".mention-list")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest ? event.target.closest(".mention-option") : null;
    if (open && option && open.list.contains(option)) {
      pick(Number(option.getAttribute("data-index")));
      return;
    }
    if (open && event.target !== open.field) close();
    else if (isMentionField(event.target)) refresh(event.target);
  });

  document.addEventListener("focusout", function (event) {
    if (!open || event.target !== open.field) return;
    var field = open.field;
    window.setTimeout(function () {
      if (open && document.activeElement !== open.field) {
        close();
        if (field.isConnected) warn(field);
      }
    }, 0);
  });

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (isMentionField(field) && field.value.indexOf("@") >= 0) warn(field);
  });
})();
