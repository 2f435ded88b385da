// The browser's time zone. Sign-up: the new account takes it (the server checks it against
// the zones it knows and falls back to UTC). Account page: when the account's zone differs,
// offer it once; "Use it" picks it in the form (saved with Save), either answer is kept in
// this browser so that the offer isn't repeated.
(function () {
  "use strict";
  const ANSWERED = "taskboard.zoneOfferAnswered";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (const field of document.querySelectorAll("input[data-browser-timezone]")) {
    field.value = zone;
  }

  const offer = document.querySelector("[data-zone-offer]");
  const select = document.querySelector("select[name=timezone]");
  if (!offer || !select || !zone || offer.dataset.zoneOffer === zone) return;
  if (!Array.from(select.options).some((option) => option.value === zone)) return;
  let answered = null;
  try {
    answered = window.localStorage.getItem(ANSWERED);
  } catch (error) {
    // Storage refused (private mode): offer anyway.
  }
  if (answered === zone) return;
  const remember = () => {
    try {
      window.localStorage.setItem(ANSWERED, zone);
    } catch (error) {
      // Nothing to keep it in: the offer comes back next time.
    }
    offer.hidden = true;
  };
  offer.querySelector("[data-zone-name]").textContent = zone;
  offer.querySelector("[data-zone-use]").addEventListener("click", () => {
    select.value = zone;
    remember();
    select.focus();
  });
  offer.querySelector("[data-zone-dismiss]").addEventListener("click", remember);
  offer.hidden = false;
})();
