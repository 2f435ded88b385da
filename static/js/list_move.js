/*
 * "Move list…" (the keyboard alternative to dragging a list by its handle): after the
 * server moved the list, put the columns in its order at once, say so to screen readers
 * (the toast region is a polite live region) and keep the keyboard on the moved list's
 * menu button. The live "list.moved" event that follows finds the columns in place.
 */
(function () {
  "use strict";

  function reorder(lists) {
    var board = document.getElementById("board-columns");
    if (!board) return;
    var index = 0;
    lists.forEach(function (each) {
      var section = document.getElementById("list-" + each.id);
      if (!section || section.parentNode !== board) return;
      section.setAttribute("data-position", String(each.position));
      if (board.children[index] !== section) board.insertBefore(section, board.children[index] || null);
      index += 1;
    });
  }

  function menuButton(listId) {
    return document.querySelector("#list-" + listId + " .column-head .icon-button");
  }

  document.addEventListener("listMoved", function (event) {
    var detail = event.detail || {};
    var dialog = document.getElementById("task-dialog");
    if (dialog && dialog.open) dialog.close();
    reorder(detail.lists || []);
    var button = menuButton(detail.id);
    if (button) {
      button.focus();
      button.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if (detail.message) {
      document.dispatchEvent(new CustomEvent("toast", { detail: { message: detail.message, kind: "success" } }));
    }
  });
})();
