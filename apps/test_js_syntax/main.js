// test_js_syntax: the second statement does not parse.
const fine = 1;
const broken = fine +;
