# apiserver compiles the HTTP/1.1 parser, response writer and JSON writer (libs/c/http).
APP_CFLAGS_apiserver += -Ilibs/c/http/include
APP_SRCS_apiserver += libs/c/http/http_parser.c libs/c/http/http_writer.c libs/c/http/json.c
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/apiserver/*.c)): apps/apiserver/apiserver.h \
	libs/c/http/include/ftl/http.h libs/c/http/include/ftl/json.h
