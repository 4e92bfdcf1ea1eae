// SPDX-License-Identifier: GPL-2.0
/*
 * Map memory at a chosen IOVA through a VFIO type1 container, as a VMM
 * does with guest RAM: shows whether VFIO leaves that IOVA to its user.
 *
 *   vfio_map GROUP IOVA SIZE [hold [PHYS]]
 *
 * GROUP is an IOMMU group number whose devices are bound to vfio-pci;
 * IOVA and SIZE in hex or decimal.  Exits 0 if VFIO_IOMMU_MAP_DMA
 * succeeds and the container's usable IOVA ranges cover the range, 1 if
 * it is refused (with the ranges VFIO reports), 2 on any other error.
 *
 * With "hold", the mapping is kept, as a running guest keeps its RAM
 * mapped, until the process is killed (or the kernel panics): it prints
 * "holding" once it is in place, and only if the usable ranges cover it
 * (else it exits 1 as well, holding nothing).  With PHYS too, the memory mapped is
 * physical memory at PHYS, through /dev/mem, instead of anonymous memory.
 *
 * The kdump crash kernel window reserves the crash regions in every
 * device's IOVA space as "reserved-relaxable": VFIO must not take them
 * away from a guest, as it does with "reserved" regions.
 */

#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

/* A number in hex or decimal, the whole argument, or exit 2 */
static unsigned long long number(const char *arg)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-') {
		fprintf(stderr, "vfio_map: '%s' is no address or size\n", arg);
		exit(2);
	}
	return n;
}

static void die(const char *what)
{
	fprintf(stderr, "vfio_map: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Print the container's usable IOVA ranges; 1 if [iova, end] is inside. */
static int ranges_cover(int container, unsigned long long iova,
			unsigned long long end)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	size_t argsz = sizeof(*info);
	int inside = 0;

	info = calloc(1, argsz);
	if (!info)
		die("calloc");
	info->argsz = argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
		die("VFIO_IOMMU_GET_INFO");
	if (info->argsz > argsz) {
		argsz = info->argsz;
		info = realloc(info, argsz);
		if (!info)
			die("realloc");
		memset(info, 0, argsz);
		info->argsz = argsz;
		if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
			die("VFIO_IOMMU_GET_INFO");
	}
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || !info->cap_offset) {
		printf("vfio_map: no IOVA range capability\n");
		free(info);
		return 0;
	}
	hdr = (void *)info + info->cap_offset;
	for (;;) {
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)hdr;
			unsigned int i;

			for (i = 0; i < r->nr_iovas; i++) {
				printf("vfio_map: IOVA range 0x%llx-0x%llx\n",
				       (unsigned long long)r->iova_ranges[i].start,
				       (unsigned long long)r->iova_ranges[i].end);
				if (iova >= r->iova_ranges[i].start &&
				    end <= r->iova_ranges[i].end)
					inside = 1;
			}
		}
		if (!hdr->next)
			break;
		hdr = (void *)info + hdr->next;
	}
	free(info);
	return inside;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	unsigned long long iova, size;
	int container, group, inside;
	char path[64];
	void *buf;

	int hold = argc >= 5 && !strcmp(argv[4], "hold");
	int mem = -1;

	if (argc < 4 || argc > 6 || (argc >= 5 && !hold)) {
		fprintf(stderr, "usage: vfio_map GROUP IOVA SIZE [hold [PHYS]]\n");
		return 2;
	}
	iova = number(argv[2]);
	size = number(argv[3]);
	if (!size || iova + size - 1 < iova) {
		fprintf(stderr, "vfio_map: empty or wrapping range\n");
		return 2;
	}

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		die("group not viable (every device bound to vfio-pci?)");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	inside = ranges_cover(container, iova, iova + size - 1);
	if (argc == 6) {
		mem = open("/dev/mem", O_RDWR | O_SYNC);
		if (mem < 0)
			die("/dev/mem");
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mem,
			   number(argv[5]));
	} else {
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (buf == MAP_FAILED)
		die("mmap");
	map.vaddr = (unsigned long)buf;
	map.iova = iova;
	map.size = size;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map)) {
		printf("vfio_map: mapping 0x%llx-0x%llx refused: %s\n",
		       iova, iova + size - 1, strerror(errno));
		return 1;
	}
	printf("vfio_map: mapped 0x%llx-0x%llx%s\n", iova, iova + size - 1,
	       inside ? ", inside the usable ranges" :
	       ", but it is outside the usable ranges");
	if (hold && inside) {
		printf("vfio_map: holding 0x%llx-0x%llx -> %s\n", iova,
		       iova + size - 1, argc == 6 ? argv[5] : "anonymous memory");
		fflush(stdout);
		for (;;)
			pause();
	}
	unmap.iova = iova;
	unmap.size = size;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA");
	return inside ? 0 : 1;
}
