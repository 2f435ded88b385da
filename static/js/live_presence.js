/*
 * Who else is viewing the board: static/js/live.js passes on the server's presence frames
 * ("live:presence"), and this shows the other viewers as avatars in the board header, with
 * the initials and tone the server gives people everywhere else (task_cards.initials and
 * avatar_tone), so a person looks the same on a card and up here.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-board]");
  if (!root) return;

  var me = Number(root.getAttribute("data-live-user") || "0");

  // Same as the `initials` template filter (tasks/templatetags/task_cards.py).
  function initials(name) {
    var words = (name || "").replace(/[@.]/g, " ").split(/\s+/).filter(Boolean);
    if (!words.length) return "?";
    if (words.length === 1 || (name || "").indexOf("@") !== -1) return words[0].charAt(0).toUpperCase();
    return (words[0].charAt(0) + words[words.length - 1].charAt(0)).toUpperCase();
  }

  var AVATAR_TONES = 8;  // as task_cards.AVATAR_TONES

  document.addEventListener("live:presence", function (event) {
    var box = document.getElementById("board-presence");
    var avatars = box && box.querySelector("[data-presence-avatars]");
    if (!avatars) return;
    var others = (event.detail.users || []).filter(function (user) { return user.id !== me; });
    avatars.replaceChildren.apply(avatars, others.map(function (user) {
      var avatar = document.createElement("span");
      avatar.className = "avatar small tone-" + (user.id % AVATAR_TONES);
      avatar.title = user.name || "Someone";
      avatar.setAttribute("data-user-id", String(user.id));
      avatar.textContent = initials(user.name);
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = " " + (user.name || "Someone");
      avatar.appendChild(name);
      return avatar;
    }));
    box.hidden = others.length === 0;
  });
})();
