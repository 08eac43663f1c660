/* An option's own picture, shown in its details: the details carry only the picture's
   address (data-picture), and the picture is fetched the first time they open. So the page
   and every update it receives carry no picture nobody opens. Without JavaScript the
   details still show the option's description and specs. */
(function () {
  "use strict";

  var fragments = {}; // address -> the picture's HTML, so a swapped group shows it at once

  function show(details) {
    var address = details.getAttribute("data-picture");
    var body = details.querySelector(".option-details-body");
    if (!address || !details.open || !body || body.querySelector(".option-picture")) return;
    function put(html) {
      if (!body.querySelector(".option-picture")) body.insertAdjacentHTML("afterbegin", html);
    }
    if (fragments[address]) {
      put(fragments[address]);
      return;
    }
    fetch(address, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        fragments[address] = html;
        put(html);
      })
      .catch(function () {
        /* No picture: the details still say what the option is. */
      });
  }

  /* "toggle" does not bubble: listen while it goes down (capture). */
  document.addEventListener(
    "toggle",
    function (event) {
      var target = event.target;
      if (target && target.matches && target.matches("details[data-picture]")) show(target);
    },
    true
  );

  /* A group swapped by an update comes back without the picture; details kept open (see
     configure.js) show it again from memory, on their "toggle" or, should a browser not
     fire one for details opened before they were inserted, after the swap. */
  function showOpened() {
    document.querySelectorAll("details[data-picture][open]").forEach(show);
  }
  document.addEventListener("htmx:oobAfterSwap", showOpened);
  document.addEventListener("htmx:afterSettle", showOpened);
})();
