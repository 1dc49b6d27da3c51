/*
 * Forms marked data-submit-once send once: the first submit disables their buttons and says what is happening,
 * so a double click is one request (the server treats a resent submission as the same one too).
 */
(function () {
  "use strict";
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "true") { event.preventDefault(); return; }
      form.dataset.sent = "true";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // Disabled after this event, so the button's own submission still goes out.
        setTimeout(function () {
          button.disabled = true;
          if (button.dataset.sendingText) button.textContent = button.dataset.sendingText;
        }, 0);
      });
    });
  });
})();
