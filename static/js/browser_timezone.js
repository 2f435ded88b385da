// Sign-up: the new account takes the browser's time zone (the server checks it against the
// zones it knows and falls back to UTC; the account page changes it).
(function () {
  "use strict";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (const field of document.querySelectorAll("input[data-browser-timezone]")) {
    field.value = zone;
  }
})();
