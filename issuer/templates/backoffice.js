// The back office's only script (a file: the CSP allows no inline script). The pages work without it; with it,
// every time is shown in the browser's own time zone, with the zone's name (issue 15 item 5).
"use strict";
(function () {
  // English as written in Europe (day before month, 24 hours), not the United States' default
  var lang = document.documentElement.lang === "en" ? "en-GB" : (document.documentElement.lang || "en-GB");
  var fmt, zone;
  try {
    fmt = new Intl.DateTimeFormat(lang, {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                                         minute: "2-digit"});
    zone = new Intl.DateTimeFormat(lang, {timeZoneName: "short"});
  } catch (e) {
    return;  // the server's own local time stays
  }
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) { return; }
    var name = zone.formatToParts(when).filter(function (p) { return p.type === "timeZoneName"; });
    el.textContent = fmt.format(when) + (name.length ? " " + name[0].value : "");
  });
})();
