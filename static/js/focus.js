/*
 * Where the keyboard focus goes when htmx changes the page under it (WCAG 2.4.3):
 * - a dialog that opens starts on its first field (the card's title), not on Close;
 * - content swapped inside an open dialog ("Save changes", a comment) keeps the focus in
 *   the dialog: on a field in error, else on the status message ("Saved."), else on the
 *   first field of what was swapped in;
 * - a closed dialog gives the focus back to what opened it, or to its replacement when
 *   live updates re-rendered it meanwhile (the same link, by its hx-get);
 * - a link to a form's section (#new-board) lands on the form's first field.
 */
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  var MESSAGES = "[aria-invalid='true'], [role='alert'], [role='status']";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function shown(element) {
    return !!(element.offsetWidth || element.offsetHeight || element.getClientRects().length);
  }

  function first(root, selector) {
    var found = root ? root.querySelectorAll(selector) : [];
    for (var i = 0; i < found.length; i++) if (shown(found[i])) return found[i];
    return null;
  }

  function focusOn(element) {
    if (!element) return false;
    if (!element.matches(FOCUSABLE)) element.setAttribute("tabindex", "-1");
    element.focus();
    return document.activeElement === element;
  }

  function lost(dialog) {
    var active = document.activeElement;
    return !active || active === document.body || !dialog.contains(active);
  }

  // -- Dialogs -----------------------------------------------------------------------------

  var openers = new WeakMap();
  var wasOpen = new WeakMap();

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest ? target.closest("dialog") : null;
    if (!dialog) return;
    wasOpen.set(dialog, dialog.open);
    if (!dialog.open) openers.set(dialog, { element: event.detail.requestConfig.elt, url: event.detail.pathInfo.requestPath });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest ? target.closest("dialog") : null;
    if (!dialog && target && target.id) {
      var now = document.getElementById(target.id);
      dialog = now && now.closest ? now.closest("dialog") : null;
      target = now || target;
    }
    if (!dialog || !dialog.open) return;
    var region = target.isConnected ? target : dialog;
    if (!wasOpen.get(dialog)) {
      // Just opened: showModal put the focus on Close, the first thing in the dialog.
      focusOn(first(region, FIELDS));
      return;
    }
    if (!lost(dialog)) return;
    focusOn(first(region, MESSAGES)) || focusOn(first(region, FIELDS)) || focusOn(first(dialog, FIELDS)) ||
      focusOn(dialog.querySelector("#dialog-title")) || focusOn(dialog.querySelector(".dialog-close"));
  });

  function giveBack(opener) {
    if (document.activeElement && document.activeElement !== document.body) return true;
    var element = opener.element;
    if (!element || !element.isConnected) {
      element = null;
      var same = opener.url ? document.querySelectorAll("[hx-get]") : [];
      for (var i = 0; i < same.length; i++) {
        if (same[i].getAttribute("hx-get") === opener.url) { element = same[i]; break; }
      }
    }
    return !!element && focusOn(element);
  }

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    var opener = openers.get(dialog);
    if (!opener) return;
    openers.delete(dialog);
    // Live updates may re-render the opener shortly after (the card just saved): try again
    // as the page changes, for a moment.
    var observer = new MutationObserver(function () {
      if (document.activeElement === document.body || !document.activeElement) giveBack(opener);
    });
    window.setTimeout(function () {
      giveBack(opener);
      observer.observe(document.body, { childList: true, subtree: true });
      window.setTimeout(function () { observer.disconnect(); }, 3000);
    }, 0);
  }, true);

  // -- Links to a form ---------------------------------------------------------------------

  function focusLinkedForm() {
    var id = window.location.hash.slice(1);
    var section = id ? document.getElementById(id) : null;
    if (section && section.hasAttribute("data-focus-first-field")) focusOn(first(section, FIELDS));
  }

  window.addEventListener("hashchange", focusLinkedForm);
  // After "load": Chromium's scroll to the fragment, while the page loads, takes the focus
  // back to the document.
  if (document.readyState === "complete") focusLinkedForm();
  else window.addEventListener("load", focusLinkedForm);
})();
