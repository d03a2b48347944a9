const p = ftl.env("peer");
p.onmessage = (m) => { p.send(m.data); p.close(); };
setTimeout(() => console.log(ftl.env("n")), 5000);
