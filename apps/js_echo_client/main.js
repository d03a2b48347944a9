// js_echo_client: sends a greeting and N numbered messages to echo, logs every
// reply, then closes its channel. Written with async iteration over the channel.
const echo = ftl.env('echo');
const rounds = ftl.env('rounds');
echo.send(ftl.env('greeting'));
let replies = 0;
for await (const reply of echo) {
    console.log(`received "${reply.text}"`);
    if (++replies > rounds) {
        break;
    }
    echo.send(`message ${replies}`);
}
echo.close();
if (replies <= rounds) {
    console.warn(`echo closed the channel after ${replies} replies`);
} else {
    console.log(`done: ${replies} replies, channel closed`);
}
