# tcpip links lwIP (libs/c/lwip: fetched from Debian and built by lwip.mk) and the URI
# parser (libs/c/uri). Literal paths: this file is read before libs/c/*/*.mk define
# LWIP_APP_CFLAGS, LWIP_BUILD and URI_INCLUDES.
APP_CFLAGS_tcpip += -Ilibs/c/lwip/include -Ibuild/lwip/lwip-2.1.3+dfsg1/src/include \
	-Ilibs/c/uri/include
APP_SRCS_tcpip += libs/c/uri/uri.c
APP_LIBS_tcpip += build/lwip/liblwip-aarch64.a
# lwIP's headers exist only once it is fetched; the app's own header and the lwIP
# options (MEMP_NUM_TCP_PCB, the listen backlog) count too.
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/tcpip/*.c)): apps/tcpip/tcpip.h \
	libs/c/lwip/include/lwipopts.h libs/c/lwip/include/ftl/lwip.h \
	| build/lwip/liblwip-aarch64.a
