# SPDX-License-Identifier: GPL-2.0
#
# kdump-iommu: assemble, build and test the patched Linux tree, on
# Debian's linux-source-6.12 (the primary base) or linux-source-6.1 (the
# backport, which also carries ia64): BASE=6.12 (default) or BASE=6.1.
#
#   make run      build the kernel and show one kdump through VT-d in QEMU
#   make check    every test, both bases; ends with "N passed, N failed"
#
# Everything this writes goes to $(O)/ (default: out/).  "make help" lists
# the other targets.

O        ?= out
BASES    := 6.12 6.1
BASE     ?= 6.12
ifeq ($(filter $(BASE),$(BASES)),)
$(error BASE=$(BASE): the bases are $(BASES))
endif
export BASE
TREE     := $(O)/linux-$(BASE)
# what the targets write for this base
OB       ?= $(O)/$(BASE)
BUILD    := $(O)/build/$(BASE)/x86_64
KT       := tools/testing/selftests/kdump_iommu
NPROC    := $(shell nproc)
BZIMAGE  := $(BUILD)/arch/x86/boot/bzImage
VMLINUX  := $(BUILD)/vmlinux
INITRAMFS := $(O)/initramfs-$(BASE).cpio.gz

# Every Debian package the targets use; "make deps" installs what is missing.
DEBS := linux-source-6.12 linux-source-6.1 gcc make bc bison flex libelf-dev libssl-dev \
	ccache git xz-utils cpio file binutils python3 kmod rsync sparse \
	qemu-system-x86 qemu-utils kexec-tools makedumpfile crash busybox-static \
	gnuplot-nox

# Config fragments merged on tinyconfig (paths inside the tree).
KCONFIG_FRAGMENTS ?= $(KT)/config

# ccache across clones: hash paths relative to the repository, and keep
# the build stamp fixed so an unchanged tree links to the same vmlinux.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
KMAKE = $(MAKE) -C $(TREE) O=$(abspath $(BUILD)) CC="ccache gcc" \
	HOSTCC="ccache gcc" KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" \
	KBUILD_BUILD_USER=kdump KBUILD_BUILD_HOST=kdump-iommu

# vmtest.py knobs: CASES (names or groups), VMTEST_JOBS (cases at once,
# one QEMU per CPU by default), VMTEST_FLAGS.
CASES ?= all
VMTEST_JOBS ?= $(NPROC)
VMTEST = python3 $(TREE)/$(KT)/vmtest.py -k $(BZIMAGE) -x $(VMLINUX) \
	-i $(INITRAMFS) -o $(OB)/vmtest -j $(VMTEST_JOBS) $(VMTEST_FLAGS)

# The debug kernel (KASAN, lockdep, UBSAN, might_sleep checks) and its runs:
# the main cases, a device added after the hand-off's check (the PCI bus
# notifier and driver_override under lockdep), and patch 2's disable of an
# AMD-Vi left on (early boot, memblock).
DEBUG_BUILD := $(O)/build/$(BASE)/x86_64-debug
DEBUG_CASES ?= main late-vtd amd-kdump-amdoff
N ?= 100

.PHONY: all help deps tree writeback tree-reset kernel kernel-build debug-kernel \
	debug-vmtest kunit \
	initramfs vmtest soak bench debug-check ia64-toolchain ia64-check series \
	series-check fix-check run check clean \
	distclean

all: run

help:
	@echo 'Every target but check works on one base: BASE=6.12 (default) or BASE=6.1'
	@echo 'make run        build the patched kernel, show one kdump through VT-d in QEMU'
	@echo 'make check      run every test, both bases (ends with "N passed, N failed")'
	@echo 'make deps       install the Debian packages the project needs'
	@echo 'make tree       assemble $(TREE): pristine Debian $(BASE) + patches/$(BASE)/ + new files'
	@echo 'make writeback  write commits made in $(TREE) back to patches/$(BASE)/ and the new files'
	@echo 'make tree-reset drop commits and edits in $(TREE) that were not written back'
	@echo 'make kernel     build $(BZIMAGE) (and vmlinux) from $(KT)/config'
	@echo 'make kunit      KUnit suites with kunit.py under QEMU with a vIOMMU (IOMMU=vtd|amd)'
	@echo 'make initramfs  build $(INITRAMFS) for the QEMU tests'
	@echo 'make ia64-toolchain  build (once, ~30 min) and cache an ia64 cross gcc outside the repo'
	@echo 'make ia64-check  compile-test HP zx1 (ia64, sba_iommu), feature on and off'
	@echo 'make vmtest CASES="vtd amd-ir"  run QEMU kdump cases (CASES=list to list them)'
	@echo 'make soak N=100 CASES=all   the crash matrix N times, counts in $(OB)/soak.json'
	@echo 'make debug-check  DEBUG_CASES on a KASAN/lockdep/UBSAN kernel: no reports'
	@echo 'make bench REPS=5  cost and speed against stock kdump, in $(OB)/bench/'
	@echo 'make series V=2 the series as mail: $(OB)/series/vV/, cover letter, --base'
	@echo 'make series-check  git am on pristine, checkpatch, every patch builds, W=1/sparse'
	@echo 'make fix-check  the stock fixes (the patches with Fixes:) each alone: without it stock hangs, with it dumps'
	@echo 'make clean      remove $(O)/ except the assembled tree; distclean: all of $(O)/'

deps:
	@mk/deps.sh $(DEBS)

tree: deps
	@mk/tree.sh assemble . $(TREE)

writeback:
	@mk/tree.sh writeback . $(TREE)

tree-reset:
	@git -C $(TREE) reset -q --hard refs/kdump-iommu/synced
	@mk/tree.sh assemble . $(TREE)

kernel: tree
	@+$(MAKE) --no-print-directory kernel-build

# The build alone, from $(TREE) as it is.  make check builds from a copy of
# the tree that persists outside the repository (mk/cache-tree.sh), into
# build directories beside it, so that a clean clone does not rebuild
# every object.
kernel-build:
	@mk/kconfig.sh $(TREE) $(BUILD) $(addprefix $(TREE)/,$(KCONFIG_FRAGMENTS))
	@+$(KMAKE) -j$(NPROC) bzImage
	@echo "kernel: $(BZIMAGE) $$(cat $(BUILD)/include/config/kernel.release)"

debug-kernel:
	@+$(MAKE) --no-print-directory kernel BUILD=$(DEBUG_BUILD) \
		KCONFIG_FRAGMENTS="$(KT)/config $(KT)/config.debug"

kunit: tree
	@mk/kunit.sh $(TREE) $(OB)/kunit $(or $(IOMMU),vtd) build

initramfs: tree
	@$(TREE)/$(KT)/mkinitramfs.sh $(INITRAMFS)

vmtest: kernel initramfs
ifeq ($(CASES),list)
	@$(VMTEST) --list
else
	@$(VMTEST) $(CASES)
endif

# The crash matrix N times over (default 100; "make soak N=3 CASES=main").
soak: kernel initramfs
	@$(VMTEST) --repeat $(N) --soak-report $(OB)/soak.json $(CASES)

# Cost and speed against stock kdump (bench.py): medians of REPS runs,
# results in $(OB)/bench/ (results.json, results.md, bench.png).
REPS ?= 5
bench: kernel initramfs
	@python3 $(TREE)/$(KT)/bench.py -k $(BZIMAGE) -x $(VMLINUX) \
		-i $(INITRAMFS) -o $(OB)/bench --reps $(REPS) $(BENCH_FLAGS)

# DEBUG_CASES on the debug kernel: no report in either kernel.  KASAN's
# shadow memory needs a larger crash kernel region.
debug-check: debug-kernel initramfs
	@+$(MAKE) --no-print-directory debug-vmtest

debug-vmtest:
	@python3 $(TREE)/$(KT)/vmtest.py -k $(DEBUG_BUILD)/arch/x86/boot/bzImage \
		-x $(DEBUG_BUILD)/vmlinux -i $(INITRAMFS) -o $(OB)/vmtest-debug \
		-j $(VMTEST_JOBS) --no-reports --crashkernel 384M --idle 90 --timeout 600 $(DEBUG_CASES)

# An ia64 cross compiler for compile tests (Debian 12 has none): built
# from gcc-12-source once and cached in $(IA64_CACHE), not under $(O).
IA64_CACHE ?= /var/cache/kdump-iommu/ia64
ia64-toolchain:
	@IA64_CACHE=$(IA64_CACHE) mk/ia64-toolchain.sh

# HP zx1 (ia64) compile test: zx1_defconfig, feature on and off, W=1 on
# our files.  Part of "make check" when the toolchain is cached.
ia64-check: tree
	@[ "$(BASE)" = 6.1 ] || { echo "ia64-check: ia64 left mainline in 6.7: BASE=6.1 only" >&2; exit 2; }
	@IA64_CACHE=$(IA64_CACHE) mk/ia64-check.sh $(TREE) $(O)/build/$(BASE)

# The series as it would be mailed (git format-patch, versioned, with
# --base and the cover letter of patches/cover-letter), and the checks a
# maintainer runs on it: git am on pristine, checkpatch --strict, every
# patch building on its own (x86_64 feature on and off, ia64 where it is
# touched and the cross compiler is cached), W=1 and sparse.
# Its work tree and build directories persist in $(SERIES_CACHE), outside
# the repository like ccache, so that a check after a change rebuilds only
# what the change touches.
# (6.1's is "series": it predates the second base)
V ?= 2
series_cache = /var/cache/kdump-iommu/$(if $(filter 6.1,$(1)),series,series-$(1))
SERIES_CACHE ?= $(call series_cache,$(BASE))
series: tree
	@mk/series.sh export $(TREE) $(OB)/series $(V)

series-check: tree
	@IA64_CACHE=$(IA64_CACHE) SERIES_CACHE=$(SERIES_CACHE) \
		mk/series.sh check $(TREE) $(OB)/series $(V)

# The series' fixes of stock bugs (its first patches, with Fixes:), each
# alone on the kernel before it: stock hangs in the fix's cases, stock with
# the fix dumps.  The kernels are kept in $(SERIES_CACHE).
fix-check: tree initramfs
	@SERIES_CACHE=$(SERIES_CACHE) mk/fix-check.sh $(TREE) $(OB)/fix-check $(INITRAMFS)

run: kernel initramfs
	@echo '== Linux $(BASE) with the series: kdump through an emulated Intel VT-d IOMMU (QEMU q35, intel-iommu)'
	@$(VMTEST) --report vtd

# Both bases: every check on the primary one, the backport's own on 6.1
# (mk/check.sh says which and why).  mk/check.sh builds its kernels in
# each base's series cache, from a copy of the tree that persists there:
# see kernel-build.
check:
	@for b in $(BASES); do \
		$(MAKE) --no-print-directory tree initramfs BASE=$$b || exit 1; done
	@O=$(O) KT=$(KT) IA64_CACHE=$(IA64_CACHE) mk/check.sh \
		$(foreach b,$(BASES),$(b):$(O)/linux-$(b):$(O)/initramfs-$(b).cpio.gz:$(call series_cache,$(b)))

clean:
	rm -rf $(O)/build $(foreach b,$(BASES),$(O)/$(b) $(O)/initramfs-$(b).cpio.gz)

distclean:
	rm -rf $(O)
