// citybot's big screen: the live parts come from the server as server-sent events; no reload, no other site.
"use strict";
(function () {
  const events = new EventSource(window.location.pathname + "/events");
  events.onmessage = function (event) {
    const parts = JSON.parse(event.data);
    for (const id of Object.keys(parts)) {
      const element = document.getElementById(id);
      if (element !== null) {
        element.innerHTML = parts[id];
      }
    }
    document.body.classList.remove("offline");
    document.body.dataset.updates = String(Number(document.body.dataset.updates || "0") + 1);
  };
  events.onerror = function () {
    document.body.classList.add("offline");
  };
})();
