# fuzz/fuzz.mk: builds the libFuzzer targets fuzz/fuzz_<parser>.c into build/fuzz/.
#
#   make -f fuzz/fuzz.mk [-j2]     (the Makefile's fuzz target and
#                                   tests/fuzz/t-fuzz.sh call fuzz/run.sh, which runs this)
#
# lib/*.c is compiled again with clang, AddressSanitizer, UBSan and
# libFuzzer's coverage instrumentation; each target links that copy.
# Warnings are shown but are not errors here: `make` already checks them
# with the project's compiler, and clang may word a few more.

FUZZ_BUILD	?= build/fuzz
FUZZ_CC		?= clang
SANFLAGS	= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	= -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-function \
		  $(SANFLAGS) $(shell pkg-config --cflags json-c) -Ilib
LIBS		= $(shell pkg-config --libs json-c libssh2)

# All of lib/, as make builds it: each target links only what it reaches,
# and a module split in two needs no change here.
LIB_SRC		= $(wildcard lib/*.c)
LIB_OBJ		= $(LIB_SRC:lib/%.c=$(FUZZ_BUILD)/lib/%.o)
TARGET_SRC	= $(wildcard fuzz/fuzz_*.c)
TARGETS		= $(TARGET_SRC:fuzz/%.c=$(FUZZ_BUILD)/bin/%)

.PHONY: all
all: $(TARGETS)

$(FUZZ_BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libbreakglass-fuzz.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The gate target includes host/pve-gate.c, so it depends on it too.
$(FUZZ_BUILD)/bin/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libbreakglass-fuzz.a $(wildcard lib/*.h) $(wildcard host/*.c)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libbreakglass-fuzz.a $(LIBS)
