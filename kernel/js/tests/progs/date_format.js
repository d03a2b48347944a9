// Dates formatted by the engine (the kernel's snprintf: "%0*d", "%+07d"): the same
// strings as node's, whatever the time zone (UTC and ISO forms only).
const dates = [0, 1e12, Date.UTC(-1, 0, 1), Date.UTC(12345, 5, 6, 7, 8, 9), Date.UTC(99, 11, 31),
    -8.64e15, 8.64e15];
for (const t of dates) {
    const d = new Date(t);
    console.log(d.toUTCString());
    console.log(d.toISOString());
}
