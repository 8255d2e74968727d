// The back office's only script (a file: the CSP allows no inline script). The pages work without it; with it,
// every time is shown in the browser's own time zone, with the zone's name (issue 15 item 5).
"use strict";
(function () {
  var lang = document.documentElement.lang || "en";
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(lang, {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                                         minute: "2-digit", timeZoneName: "short"});
  } catch (e) {
    return;  // the server's own local time stays
  }
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when.getTime())) { el.textContent = fmt.format(when); }
  });
})();
