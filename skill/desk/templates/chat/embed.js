// Ambient Shop web chat: add <script src="https://YOUR-SHOP-ASSISTANT/chat/embed.js" async></script>
// to any page; it adds a chat button that opens the assistant (and a person, when asked) in a frame.
(function () {
  "use strict";
  if (window.__ambientShopChat) return;
  window.__ambientShopChat = true;
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : "";
  var frame = null;
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Chat with us";
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:12px 18px;" +
    "border:0;border-radius:24px;background:#2557d6;color:#fff;font:600 15px system-ui,sans-serif;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.25);cursor:pointer";
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = origin + "/chat?embed=1";
      frame.title = "Chat";
      frame.style.cssText = "position:fixed;right:20px;bottom:76px;z-index:2147483000;width:370px;" +
        "height:520px;max-height:calc(100vh - 100px);max-width:calc(100vw - 40px);border:0;" +
        "border-radius:12px;box-shadow:0 4px 20px rgba(0,0,0,.3);background:#fff";
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute("aria-expanded", String(!frame.hidden));
  });
  document.body.appendChild(button);
})();
