// The same-device landing page (OpenID4VP 1.0 §8.2, §13.3 steps 7-9): read the response_code from the fragment,
// take it out of the address bar, and ask for the result with it in this browser's session (the result cookie
// of the check this browser started). Only that session, once, gets the result; anyone else sees "refused".
(function () {
  "use strict";
  var box = document.getElementById("back");
  var tid = box.getAttribute("data-transaction");
  var lang = box.getAttribute("data-lang");
  var found = /(?:^#|&)response_code=([^&]*)/.exec(window.location.hash);
  history.replaceState(null, "", window.location.pathname + window.location.search);
  function refused() {
    document.getElementById("checking").hidden = true;
    document.getElementById("refused").hidden = false;
  }
  if (!found || !found[1]) {
    refused();
    return;
  }
  fetch("/openid4vp/transactions/" + encodeURIComponent(tid) + "/result", {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({response_code: decodeURIComponent(found[1])})
  }).then(function (r) {
    return r.ok ? r.json() : Promise.reject(r.status);
  }).then(function (view) {
    window.location.replace(view.console + "?lang=" + encodeURIComponent(lang));
  }).catch(refused);
})();
