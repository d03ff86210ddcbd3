# Makefile: builds libbreakglass.a, the CGI programs and the Proxmox gate, and runs every test.
#
#   make            build into build/ (warnings are errors)
#   make check      build, then the unit tests (also under ASan and UBSan),
#                   the CGI shell tests, the integration and browser tests
#   make deps       install the Debian and npm packages the build and tests need
#   make demo       the whole system on 127.0.0.1:8080 with a simulated Proxmox
#                   host and VM (as root; Ctrl-C stops it; see demo/run.sh)
#   make lint       reject functions that make bounds easy to get wrong
#   make fuzz       run each libFuzzer target in fuzz/ for FUZZ_SECONDS (60)
#   make bench      run tests/bench/*.sh and print one table of medians and ratios
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
SAN	?=

CC	?= cc
WARN	= -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	  -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(WARN)
CFLAGS	+= $(shell pkg-config --cflags json-c)
ifeq ($(SAN),1)
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
endif

JSONC	= $(shell pkg-config --libs json-c)
SSH2	= $(shell pkg-config --libs libssh2)
CHECK	= $(shell pkg-config --libs check)

# Each program links only the libraries it uses.
LIBS_session	= $(JSONC)
LIBS_audit	= $(JSONC)
LIBS_pve	= $(SSH2) $(JSONC)
LIBS_chat	= $(JSONC)

# session and audit link statically, as position-independent executables
# so ASLR still applies (not under the sanitizers, which cannot): exec then
# skips the dynamic loader, which tests/bench/serving.sh measured as most of
# the gap between GET /session and a CGI that prints a fixed answer. chat
# stays shared because it calls getpwuid (NSS), and pve for libssh2.
ifneq ($(SAN),1)
JSONC_STATIC	= $(shell pkg-config --static --libs json-c)
STATIC_session	= -static-pie
STATIC_audit	= -static-pie
LIBS_session	= $(JSONC_STATIC)
LIBS_audit	= $(JSONC_STATIC)
endif

LIB_SRC	= $(wildcard lib/*.c)
LIB_OBJ	= $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB	= $(BUILD)/lib/libbreakglass.a
CGI_SRC	= $(wildcard cgi-bin/*.c)
CGI	= $(CGI_SRC:%.c=$(BUILD)/%)
HOST_SRC = $(wildcard host/*.c)
HOST	= $(HOST_SRC:%.c=$(BUILD)/%)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT	= $(UNIT_SRC:%.c=$(BUILD)/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOLS	= $(TOOL_SRC:%.c=$(BUILD)/%)

.PHONY: all check unit deps demo lint install install-gate clean vendor fuzz bench
all: $(LIB) $(CGI) $(HOST)

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB)
	$(CC) $(LDFLAGS) $(STATIC_$*) -o $@ $< $(LIB) $(LIBS_$*)

# The gate runs on the Proxmox host: it links only the verb table and
# helpers, and no third-party library.
$(BUILD)/host/%: $(BUILD)/host/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(CHECK) $(SSH2) $(JSONC)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(SSH2) $(JSONC)

unit: all $(UNIT) $(TOOLS)

# The sanitizer build lives in build/asan so both can be kept up to date.
check: deps lint vendor
	$(MAKE) BUILD=build unit
	$(MAKE) BUILD=build/asan SAN=1 unit
	tests/run

deps:
	tests/deps.sh

# libFuzzer targets (clang, ASan, UBSan), built into build/fuzz by
# fuzz/fuzz.mk; each runs FUZZ_SECONDS, then a table of what each found.
FUZZ_SECONDS	?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

# Every benchmark in tests/bench/, then one table of medians and ratios.
bench: unit vendor
	tests/bench/run

demo: deps
	$(MAKE) all vendor
	demo/run.sh

# The page's markdown renderer, copied with its licence from the npm package
# pinned in tests/package.json (make deps installs it); the copy in
# htdocs/vendor/ is not committed.
MARKDOWN_IT	= tests/node_modules/markdown-it
vendor:
	@if [ ! -f $(MARKDOWN_IT)/dist/browser/markdown-it.esm.min.mjs ]; then \
		echo "vendor: $(MARKDOWN_IT) is missing; run make deps" >&2; \
		exit 1; \
	fi
	@mkdir -p htdocs/vendor
	cp $(MARKDOWN_IT)/dist/browser/markdown-it.esm.min.mjs htdocs/vendor/markdown-it.esm.min.mjs
	cp $(MARKDOWN_IT)/LICENSE htdocs/vendor/markdown-it.LICENSE

BANNED	= sprintf|strcpy|strcat|strncpy|strtok|sscanf|atoi|atol|gets|vsprintf
lint:
	@if grep -nE '(^|[^_a-z])($(BANNED))[[:space:]]*\(' lib/*.c lib/*.h cgi-bin/*.c host/*.c 2>/dev/null; then \
		echo "lint: banned function above; use snprintf with a truncation check, util_strlcpy or util_strtonum" >&2; \
		exit 1; \
	fi
	@if grep -nE '(^|[^_a-z])strto(l|ll|ul|ull)[[:space:]]*\(' lib/*.c cgi-bin/*.c host/*.c | grep -v 'lib/util.c'; then \
		echo "lint: call util_strtonum instead of strtol" >&2; \
		exit 1; \
	fi

install: all vendor
	install -d $(DESTDIR)$(PREFIX)/lib/breakglass/cgi-bin $(DESTDIR)$(PREFIX)/share/breakglass
	install -m 0755 $(CGI) $(DESTDIR)$(PREFIX)/lib/breakglass/cgi-bin/
	cp -R htdocs $(DESTDIR)$(PREFIX)/share/breakglass/
	install -d $(DESTDIR)$(PREFIX)/share/breakglass/conf/agent
	install -m 0644 conf/lighttpd.conf $(DESTDIR)$(PREFIX)/share/breakglass/conf/
	if [ -d conf/agent ]; then install -m 0644 conf/agent/*.md $(DESTDIR)$(PREFIX)/share/breakglass/conf/agent/; fi

install-gate: all
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/host/pve-gate $(DESTDIR)$(PREFIX)/sbin/breakglass-pve-gate

clean:
	rm -rf build
