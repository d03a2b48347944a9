# The controller writes its answers with the JSON writer of libs/c/http.
APP_CFLAGS_controller += -Ilibs/c/http/include
APP_SRCS_controller += libs/c/http/json.c
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/controller/*.c)): apps/controller/controller.h \
	libs/c/http/include/ftl/json.h
