// status.js follows a login that waits for the Vipps app: it asks the
// status endpoint every 1.5 s and, once the login no longer waits, goes on
// to the next step once. Served as a file: the pages' CSP allows no inline
// script.
(function () {
  "use strict";
  var el = document.getElementById("poll");
  if (!el) {
    return;
  }
  var statusURL = el.getAttribute("data-status-url");
  var nextURL = el.getAttribute("data-next-url");
  var interval = 1500;
  var moved = false;

  function next() {
    if (!moved) {
      moved = true;
      window.location.replace(nextURL);
    }
  }

  function poll() {
    fetch(statusURL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (resp.status >= 400 && resp.status < 500) {
          // The login is gone or not ours: the next page says why.
          next();
          return null;
        }
        return resp.ok ? resp.json() : null;
      })
      .then(function (body) {
        if (body && body.status !== "waiting") {
          next();
        }
      })
      .catch(function () {})
      .then(function () {
        if (!moved) {
          window.setTimeout(poll, interval);
        }
      });
  }

  window.setTimeout(poll, interval);
})();
