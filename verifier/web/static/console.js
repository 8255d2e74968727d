// The console's page script (a file: the CSP allows no inline script). Two jobs (issue 15 item 5):
// 1. A waiting check's page asks the server every 2 s for the same page and replaces only the part that changed
//    (#live, when its data-state differs): the QR code stays still, no page reload, no flicker.
// 2. Times are shown in the browser's own time zone with its name.
"use strict";
(function () {
  // English as written in Europe (day before month, 24 hours), not the United States' default
  var lang = document.documentElement.lang === "en" ? "en-GB" : (document.documentElement.lang || "en-GB");

  function localTimes(root) {
    var time, day, zone;
    try {
      time = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit"});
      day = new Intl.DateTimeFormat(lang, {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                                           minute: "2-digit"});
      zone = new Intl.DateTimeFormat(lang, {timeZoneName: "short"});
    } catch (e) {
      return;  // the server's own local time stays
    }
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var name = zone.formatToParts(when).filter(function (p) { return p.type === "timeZoneName"; });
      el.textContent = (el.hasAttribute("data-date") ? day : time).format(when) + (name.length ? " " + name[0].value : "");
    });
  }

  function poll() {
    var live = document.getElementById("live");
    if (!live || !live.hasAttribute("data-poll")) { return; }
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
      if (next && next.getAttribute("data-state") !== live.getAttribute("data-state")) {
        live.replaceWith(next);
        localTimes(next);
        live = next;
      }
    }).catch(function () { /* a missed poll is retried */ }).then(function () {
      if (live.hasAttribute("data-poll")) { window.setTimeout(poll, 2000); }
    });
  }

  localTimes(document);
  window.setTimeout(poll, 2000);
})();
