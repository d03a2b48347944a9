// js_echo: the echo service as a JS app. CONNECTs for the exported service arrive on
// the system channel; every DATA message goes back on the channel it came from.
// Serves the native echo_client unchanged.
ftl.system.onmessage = (msg) => {
    if (msg.type !== ftl.CONNECT) {
        console.warn(`unexpected message type ${msg.type}`);
        return;
    }
    const client = msg.handles[0];
    console.log('a client connected');
    client.onmessage = (m) => {
        if (m.type !== ftl.DATA) {
            return;
        }
        try {
            client.send(m.data);
        } catch (e) {
            // FTL_ERR_FULL or FTL_ERR_PEER_CLOSED: not buffered for without bound.
            console.warn(`a client is gone or not reading its replies (${e.code}); disconnecting it`);
            client.close();
        }
    };
};
console.log(`${ftl.name}: ready`);
