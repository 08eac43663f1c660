/* The configure page's small helpers on top of htmx. Everything here is an extra: the page
   works without it (and without JavaScript at all). */
(function () {
  "use strict";

  function configurator() {
    return document.getElementById("configurator");
  }

  /* While an update is in flight the configurator is busy: assistive technology waits for
     the new state (the live region announces it), and the spinner shows (htmx's
     htmx-request class on #configurator, see hx-indicator). A newer click aborts the
     request before it (hx-sync replace): its afterRequest comes before the new one's
     beforeRequest, so the flag stays set while any request is open. */
  document.addEventListener("htmx:beforeRequest", function () {
    var region = configurator();
    if (region) region.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function () {
    var region = configurator();
    if (region) region.removeAttribute("aria-busy");
  });

  /* A swapped region keeps what the customer opened or closed: a collapsed group stays
     collapsed (unless it now needs a choice), an opened option's details stay open. */
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    if (!detail || !detail.fragment || !detail.target) return;
    detail.fragment.querySelectorAll("details[id]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (!old || old.tagName !== "DETAILS") return;
      if (fresh.classList.contains("is-unmet")) {
        fresh.open = true;
      } else {
        fresh.open = old.open;
      }
    });
  });

  /* Copy the share link: the Clipboard API, a visible confirmation, and where the browser
     refuses, the link selected in its field for Ctrl+C. */
  function say(button, text) {
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    if (status) status.textContent = text;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    function fallback() {
      field.focus();
      field.select();
      say(button, "Press Ctrl+C (⌘C on a Mac) to copy the selected link.");
    }
    if (!navigator.clipboard || !window.isSecureContext) {
      fallback();
      return;
    }
    navigator.clipboard.writeText(field.value).then(function () {
      say(button, "Link copied.");
    }, fallback);
  });
})();
