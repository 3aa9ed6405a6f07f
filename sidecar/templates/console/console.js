(function () {
  "use strict";
  // The overview refreshes itself: its live region is fetched again and swapped in, unless the tab is hidden.
  var live = document.querySelector("[data-refresh]");
  if (live) {
    var seconds = parseInt(live.getAttribute("data-refresh"), 10) || 30;
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(window.location.href, {credentials: "same-origin"}).then(function (answer) {
        if (!answer.ok || answer.redirected) { return null; }
        return answer.text();
      }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
      }).catch(function () { /* next round */ });
    }, seconds * 1000);
  }

  // "Select all" boxes tick every box of their table.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (item) { item.checked = box.checked; });
    });
  });

  // Replays with a progress bar: one letter per request, each result listed as it ends.
  document.querySelectorAll("form[data-replay]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var ids = [];
      if (form.hasAttribute("data-ids")) {
        ids = JSON.parse(form.getAttribute("data-ids"));
      } else {
        form.querySelectorAll("input[name=ids][type=hidden], input[name=ids]:checked").forEach(function (box) {
          ids.push(box.value);
        });
      }
      if (!ids.length) { return; }  // the server says there is nothing to replay
      event.preventDefault();
      var panel = document.getElementById("replay-progress");
      var bar = panel.querySelector("progress"), said = panel.querySelector("[data-count]");
      var list = panel.querySelector("ol"), summary = panel.querySelector("[data-summary]");
      var token = form.querySelector("input[name=csrf_token]").value;
      panel.hidden = false; list.innerHTML = ""; summary.textContent = "";
      bar.max = ids.length; bar.value = 0;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var counts = {replayed: 0, already_done: 0, failed: 0};
      var next = function (i) {
        if (i >= ids.length) {
          summary.textContent = "Done: " + counts.replayed + " replayed, " + counts.already_done +
            " already done, " + counts.failed + " failed.";
          form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
          return;
        }
        var body = new URLSearchParams();
        body.append("csrf_token", token); body.append("ids", ids[i]);
        fetch(form.action, {method: "POST", body: body, credentials: "same-origin"}).then(function (answer) {
          return answer.text();
        }).then(function (html) {
          var item = new DOMParser().parseFromString(html, "text/html").querySelector("li[data-outcome]");
          var row = item ? document.importNode(item, true) : document.createElement("li");
          if (!item) { row.setAttribute("data-outcome", "failed"); row.textContent = ids[i] + ": no answer"; }
          counts[row.getAttribute("data-outcome")] += 1;
          list.appendChild(row);
        }).catch(function () {
          var row = document.createElement("li");
          row.setAttribute("data-outcome", "failed"); row.textContent = ids[i] + ": the console did not answer";
          counts.failed += 1; list.appendChild(row);
        }).then(function () {
          bar.value = i + 1; said.textContent = (i + 1) + " of " + ids.length;
          next(i + 1);
        });
      };
      next(0);
    });
  });
})();
