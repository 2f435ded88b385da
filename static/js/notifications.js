/*
 * Notifications, live, on every page of a signed-in user (docs/live-updates.md,
 * "Notifications"): the unread badge in the top bar follows the server, and each new
 * notification shows a toast whose link opens its card and marks it read.
 *
 * The board page already has a socket (static/js/live.js), which passes these frames on as
 * "live:notification" and "live:notifications_read". Every other page opens its own small
 * socket, /ws/notifications/, authenticated by the session cookie: its `hello` carries the
 * unread count (right again after a reconnect). A dropped socket comes back with backoff
 * and jitter, as the board's does; a 4401 (credentials revoked) is retried once after a
 * second (the browser that changed its own password has a new cookie), then given up.
 */
(function () {
  "use strict";

  var badge = document.querySelector("[data-unread-badge]");
  if (!badge) return;

  var TOAST_MS = 8000;
  var MIN_BACKOFF_MS = 250;
  var MAX_BACKOFF_MS = 10000;

  function setUnread(count) {
    if (typeof count !== "number" || count < 0) return;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " unread");
    badge.hidden = count === 0;
  }

  function showToast(text, url) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var item = document.createElement("div");
    item.className = "toast notification-toast";
    item.setAttribute("data-notification-toast", "");
    var link = document.createElement("a");
    link.href = url || "/notifications/";
    link.textContent = text;
    item.appendChild(link);
    box.appendChild(item);
    // Stays while the pointer or the keyboard is on it: its link must stay reachable.
    var held = false;
    var due = false;
    function leave() {
      if (held) { due = true; return; }
      item.classList.add("leaving");
      window.setTimeout(function () { item.remove(); }, 400);
    }
    item.addEventListener("mouseenter", function () { held = true; });
    item.addEventListener("focusin", function () { held = true; });
    item.addEventListener("mouseleave", function () { held = false; if (due) leave(); });
    item.addEventListener("focusout", function () { held = false; if (due) leave(); });
    window.setTimeout(leave, TOAST_MS);
  }

  function receive(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "notification") {
      setUnread(frame.unread);
      if (frame.notification) showToast(frame.notification.text, frame.url);
    } else if (frame.type === "notifications_read" || frame.type === "hello") {
      setUnread(frame.unread);
    }
  }

  if (document.querySelector("[data-live-board]")) {
    document.addEventListener("live:notification", function (event) { receive(event.detail); });
    document.addEventListener("live:notifications_read", function (event) { receive(event.detail); });
    return;
  }
  if (!window.WebSocket) return;

  var backoff = MIN_BACKOFF_MS;
  var retriedAfterSignOut = false;
  var reconnectTimer = null;

  function connect() {
    reconnectTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    document.documentElement.setAttribute("data-notifications-state", "connecting");
    socket.addEventListener("open", function () {
      backoff = MIN_BACKOFF_MS;
      document.documentElement.setAttribute("data-notifications-state", "open");
    });
    socket.addEventListener("message", function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame && frame.type === "hello") retriedAfterSignOut = false;
      receive(frame);
    });
    socket.addEventListener("close", function (event) {
      document.documentElement.setAttribute("data-notifications-state", "closed");
      if (event.code === 4401) {
        if (retriedAfterSignOut) return;
        retriedAfterSignOut = true;
        reconnectTimer = window.setTimeout(connect, 1000);
        return;
      }
      reconnectTimer = window.setTimeout(connect, backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  }

  window.addEventListener("online", function () {
    if (reconnectTimer === null) return;
    window.clearTimeout(reconnectTimer);
    backoff = MIN_BACKOFF_MS;
    connect();
  });

  connect();
})();
