// Drives a conversation with virtual-alexa (an independent Alexa client) against a live skill URL.
// Usage: node virtual_alexa_driver.js '<json config>'
// config: {"url": "...", "model": "path/en-US.json", "applicationId": "...",
//          "steps": [{"launch": true} | {"utter": "..."} | {"intent": "AMAZON.YesIntent", "slots": {}}]}
// Prints one JSON object: {"replies": [{"speech": "...", "card": {...}, "end": bool, "raw": {...}}]}
const { VirtualAlexa } = require("virtual-alexa");

async function main() {
  const config = JSON.parse(process.argv[2]);
  const alexa = VirtualAlexa.Builder()
    .skillURL(config.url)
    .interactionModelFile(config.model)
    .applicationID(config.applicationId)
    .create();
  const replies = [];
  for (const step of config.steps) {
    let result;
    if (step.launch) {
      result = await alexa.launch();
    } else if (step.intent) {
      result = await alexa.intend(step.intent, step.slots || {});
    } else {
      result = await alexa.utter(step.utter);
    }
    const response = (result && result.response) || {};
    const speech = response.outputSpeech ? response.outputSpeech.ssml || response.outputSpeech.text : "";
    replies.push({
      speech: speech || "",
      card: response.card || null,
      end: response.shouldEndSession === true,
      raw: result,
    });
  }
  process.stdout.write(JSON.stringify({ replies }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
