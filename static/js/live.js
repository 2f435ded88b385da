/*
 * Live updates of the board page (docs/live-updates.md): a WebSocket to /ws/boards/<id>/,
 * authenticated by the session cookie. The page is rendered on the server, so an event is
 * not applied here: it asks app.js for fresh columns ("board:refresh"), which also makes
 * missed events and gaps harmless (the server's state is the truth). What the page was
 * rendered from is `data-live-seq`; a `hello` past it means something happened meanwhile.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-board]");
  if (!root || !window.WebSocket) return;

  var boardId = root.getAttribute("data-live-board");
  var last = Number(root.getAttribute("data-live-seq") || "0");
  var backoff = 250;
  var refreshTimer = null;

  function refreshSoon() {
    // Several events in a row (a list deleted with its cards) make one refresh.
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () {
      document.dispatchEvent(new CustomEvent("board:refresh"));
    }, 300);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/boards/" + boardId + "/");

    socket.addEventListener("open", function () { backoff = 250; });

    socket.addEventListener("message", function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame.type === "hello" || frame.type === "event") {
        if (frame.seq > last) {
          last = frame.seq;
          refreshSoon();
        }
      } else if (frame.type === "reset") {
        refreshSoon();
      }
    });

    socket.addEventListener("close", function (event) {
      if (event.code === 4404) {
        document.dispatchEvent(new CustomEvent("toast", {
          detail: { message: "This board was deleted, or you no longer have access to it.", kind: "error" },
        }));
        return;
      }
      if (event.code === 4401) return;  // signed out: the next page load asks to log in
      // Dropped or restarted: come back, with exponential backoff and jitter.
      window.setTimeout(connect, backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, 30000);
    });
  }

  connect();
})();
