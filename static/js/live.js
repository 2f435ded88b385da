/*
 * Live updates of the board page, the connection half (docs/live-updates.md, "The board
 * page"): a WebSocket to /ws/boards/<id>/, authenticated by the session cookie, that hands
 * the board's events to static/js/live_board.js ("live:event") in seq order, each once,
 * and who is viewing the board to static/js/live_presence.js ("live:presence").
 *
 * `last` is the seq the page includes: data-live-seq as rendered, then every event passed
 * on. An event with seq last + 1 is passed on, with any held ones that are next after it;
 * one at or below `last` is a duplicate (a resync and the live stream may both bring it);
 * one further ahead means some went missing: it is held while the server is asked for
 * {"type": "resync", "since": last}, once per gap. A `hello` past `last` (changes between
 * rendering and connecting, or during a drop) asks the same. `reset` (too far behind to
 * replay) reloads the page. A dropped socket comes back with exponential backoff and
 * jitter, and its `hello` resyncs; after 4404 (board deleted, access lost) it stays closed.
 * 4401 means this socket's credentials were revoked (a password change, a logout, "sign out
 * everywhere", a deactivated account): it is tried once more after a second, since the
 * session that changed its own password is still signed in with a new cookie; a second
 * 4401 before any `hello` shows "You were signed out" with a link to the login page, and
 * the socket stays closed (no reconnect loop).
 *
 * data-live-state on the root says "connecting", "open" or "closed": app.js skips its own
 * refresh of the columns while the live stream keeps them current.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-board]");
  if (!root || !window.WebSocket) return;

  var boardId = root.getAttribute("data-live-board");
  var last = Number(root.getAttribute("data-live-seq") || "0");
  var held = {};
  var resyncAskedAt = 0;
  // A resync whose answer never came (the socket dropped meanwhile) may be asked again.
  var RESYNC_PATIENCE_MS = 5000;
  var MIN_BACKOFF_MS = 250;
  var MAX_BACKOFF_MS = 10000;
  var backoff = MIN_BACKOFF_MS;
  var socket = null;
  var reconnectTimer = null;
  // A 4401 is retried once (see above); cleared by the next hello.
  var retriedAfterSignOut = false;
  var SIGNED_OUT_RETRY_MS = 1000;

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function resync() {
    var now = Date.now();
    if (now - resyncAskedAt < RESYNC_PATIENCE_MS) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    resyncAskedAt = now;
    socket.send(JSON.stringify({ type: "resync", since: last }));
  }

  function passOn(frame) {
    last = frame.seq;
    emit("live:event", frame);
  }

  function receiveEvent(frame) {
    if (typeof frame.seq !== "number" || frame.seq <= last) return;
    if (frame.seq > last + 1) {
      held[frame.seq] = frame;
      resync();
      return;
    }
    passOn(frame);
    while (held[last + 1]) {
      var next = held[last + 1];
      delete held[last + 1];
      passOn(next);
    }
    var waiting = Object.keys(held);
    waiting.forEach(function (seq) { if (Number(seq) <= last) delete held[seq]; });
    if (!Object.keys(held).length) resyncAskedAt = 0;
  }

  function receive(message) {
    var frame;
    try { frame = JSON.parse(message.data); } catch (error) { return; }
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "event") {
      receiveEvent(frame);
    } else if (frame.type === "hello") {
      retriedAfterSignOut = false;
      resyncAskedAt = 0;
      if (frame.seq > last) resync();
    } else if (frame.type === "presence") {
      emit("live:presence", frame);
    } else if (frame.type === "notification" || frame.type === "notifications_read") {
      // The user's own notifications: static/js/notifications.js.
      emit("live:" + frame.type, frame);
    } else if (frame.type === "reset") {
      // Too much happened to replay: the page as the server renders it now.
      window.location.reload();
    }
  }

  function connect() {
    reconnectTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    root.setAttribute("data-live-state", "connecting");
    socket = new WebSocket(scheme + window.location.host + "/ws/boards/" + boardId + "/");

    socket.addEventListener("open", function () {
      backoff = MIN_BACKOFF_MS;
      root.setAttribute("data-live-state", "open");
    });

    socket.addEventListener("message", receive);

    socket.addEventListener("close", function (event) {
      root.setAttribute("data-live-state", "closed");
      emit("live:presence", { users: [], count: 0 });
      if (event.code === 4404) {
        emit("toast", { message: "This board was deleted, or you no longer have access to it.", kind: "error" });
        return;
      }
      if (event.code === 4401) {
        if (retriedAfterSignOut) {
          showSignedOut();
          return;
        }
        retriedAfterSignOut = true;
        reconnectTimer = window.setTimeout(connect, SIGNED_OUT_RETRY_MS);
        return;
      }
      // Dropped or restarted: come back, later each time (×0.5–1.5 so that the viewers of
      // a restarted server don't all knock at once).
      reconnectTimer = window.setTimeout(connect, backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  }

  function showSignedOut() {
    root.setAttribute("data-live-state", "signed-out");
    if (document.querySelector("[data-live-signed-out]")) return;
    var box = document.createElement("div");
    box.className = "live-signed-out";
    box.setAttribute("role", "alert");
    box.setAttribute("data-live-signed-out", "");
    box.appendChild(document.createTextNode("You were signed out. "));
    var link = document.createElement("a");
    link.href = "/accounts/login/?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    link.textContent = "Sign in again";
    box.appendChild(link);
    root.parentNode.insertBefore(box, root);
  }

  // Back online: no need to wait out the backoff.
  window.addEventListener("online", function () {
    if (reconnectTimer === null) return;
    window.clearTimeout(reconnectTimer);
    backoff = MIN_BACKOFF_MS;
    connect();
  });

  connect();
})();
