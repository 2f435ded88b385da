/*
 * The card dialog after a merge-by-field conflict (issue 13): choosing "Yours" or "Theirs"
 * for a field puts that value into the field, so the form shows what will be saved; editing
 * the field afterwards makes it "Yours" (what is in the field is saved). Without this script
 * the choice still decides on the server.
 */
(function () {
  "use strict";

  function fieldOf(form, name) {
    return form.querySelectorAll('[name="' + name + '"]');
  }

  function put(form, name, value) {
    var inputs = fieldOf(form, name);
    if (!inputs.length) return;
    if (inputs[0].type === "checkbox") {
      var ids = value ? value.split(",") : [];
      inputs.forEach(function (box) { box.checked = ids.indexOf(box.value) !== -1; });
    } else {
      inputs[0].value = value;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.form) return;
    var match = /^resolve-(.+)$/.exec(target.name);
    if (match && target.checked && target.hasAttribute("data-merge-value")) {
      put(target.form, match[1], target.getAttribute("data-merge-value"));
      return;
    }
    // An edit of a field after its choice: what is in the field is what gets saved.
    var mine = target.form.querySelector('input[name="resolve-' + target.name + '"][value="mine"]');
    if (mine && !mine.checked) mine.checked = true;
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.form || !target.name || /^resolve-/.test(target.name)) return;
    var mine = target.form.querySelector('input[name="resolve-' + target.name + '"][value="mine"]');
    if (mine && !mine.checked) mine.checked = true;
  });
})();
