/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path reconstruction: walk a struct path's dentries up to the root (crossing mount points)
 * and assemble the names right-to-left in a per-CPU scratch buffer.
 */
#ifndef __COMMON_FILESYSTEM_H__
#define __COMMON_FILESYSTEM_H__

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define MAX_PERCPU_BUFSIZE (1 << 15) /* upper bound the kernel puts on a map value */
#define GADGET_PATH_MAX 512          /* path field size in events: below PATH_MAX to save room */
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#define MAX_PATH_COMPONENTS 80

enum buf_idx_e {
	STRING_BUF_IDX,
	MAX_BUFFERS
};

typedef struct simple_buf {
	u8 buf[MAX_PERCPU_BUFSIZE];
} buf_t;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_BUFFERS);
	__type(key, u32);
	__type(value, buf_t);
} bufs SEC(".maps");

static __always_inline buf_t *get_buf(int idx)
{
	return bpf_map_lookup_elem(&bufs, &idx);
}

static __always_inline struct dentry *get_mnt_root_ptr_from_vfsmnt(struct vfsmount *vfsmnt)
{
	return BPF_CORE_READ(vfsmnt, mnt_root);
}

static __always_inline struct dentry *get_d_parent_ptr_from_dentry(struct dentry *dentry)
{
	return BPF_CORE_READ(dentry, d_parent);
}

static __always_inline struct qstr get_d_name_from_dentry(struct dentry *dentry)
{
	return BPF_CORE_READ(dentry, d_name);
}

static inline struct mount *real_mount(struct vfsmount *mnt)
{
	return container_of(mnt, struct mount, mnt);
}

/*
 * NUL-terminated absolute path of `path`, in the per-CPU buffer (valid until the next call on
 * this CPU); NULL if no buffer. Names are written backwards from the middle of the buffer so
 * that masking offsets with (MAX_PERCPU_BUFSIZE >> 1) - 1 keeps the verifier convinced.
 */
static __always_inline void *get_path_str(struct path *path)
{
	const u32 half = MAX_PERCPU_BUFSIZE >> 1;
	struct path f_path;
	struct dentry *dentry, *mnt_root, *d_parent;
	struct vfsmount *vfsmnt;
	struct mount *mnt_p, *mnt_parent_p;
	struct qstr d_name;
	u32 buf_off = half;
	char slash = '/';
	char nul = '\0';
	buf_t *string_p;

	bpf_probe_read_kernel(&f_path, sizeof(f_path), path);
	dentry = f_path.dentry;
	vfsmnt = f_path.mnt;
	mnt_p = real_mount(vfsmnt);
	bpf_probe_read_kernel(&mnt_parent_p, sizeof(mnt_parent_p), &mnt_p->mnt_parent);

	string_p = get_buf(STRING_BUF_IDX);
	if (!string_p)
		return NULL;

#pragma unroll
	for (int i = 0; i < MAX_PATH_COMPONENTS; i++) {
		unsigned int len, off;
		int sz;

		mnt_root = get_mnt_root_ptr_from_vfsmnt(vfsmnt);
		d_parent = get_d_parent_ptr_from_dentry(dentry);
		if (dentry == mnt_root || dentry == d_parent) {
			if (dentry != mnt_root)
				break; /* at a root that is not the mount's root: escaped */
			if (mnt_p == mnt_parent_p)
				break; /* global root: done */
			/* continue from the mount point in the parent mount */
			bpf_probe_read_kernel(&dentry, sizeof(dentry), &mnt_p->mnt_mountpoint);
			bpf_probe_read_kernel(&mnt_p, sizeof(mnt_p), &mnt_p->mnt_parent);
			bpf_probe_read_kernel(&mnt_parent_p, sizeof(mnt_parent_p), &mnt_p->mnt_parent);
			vfsmnt = &mnt_p->mnt;
			continue;
		}
		d_name = get_d_name_from_dentry(dentry);
		len = (d_name.len + 1) & (PATH_MAX - 1);
		off = buf_off - len;
		if (off > buf_off)
			break; /* would wrap: buffer full */
		len &= half - 1;
		sz = bpf_probe_read_kernel_str(&string_p->buf[off & (half - 1)], len,
					       (void *)d_name.name);
		if (sz <= 1)
			break; /* names are never empty */
		/* the NUL just written becomes the separator */
		buf_off -= 1;
		bpf_probe_read_kernel(&string_p->buf[buf_off & (MAX_PERCPU_BUFSIZE - 1)], 1, &slash);
		buf_off -= sz - 1;
		dentry = d_parent;
	}

	if (buf_off == half) {
		/* nothing walked (e.g. memfd): the dentry's own name */
		buf_off = 0;
		d_name = get_d_name_from_dentry(dentry);
		bpf_probe_read_kernel_str(&string_p->buf[0], PATH_MAX, (void *)d_name.name);
	} else {
		buf_off -= 1;
		bpf_probe_read_kernel(&string_p->buf[buf_off & (MAX_PERCPU_BUFSIZE - 1)], 1, &slash);
		bpf_probe_read_kernel(&string_p->buf[half - 1], 1, &nul);
	}
	return &string_p->buf[buf_off & (MAX_PERCPU_BUFSIZE - 1)];
}

/* struct file of descriptor `fd_num` of the current task, NULL if none. */
static __always_inline struct file *get_struct_file_for_fd(int fd_num)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fd;
	struct file *f = NULL;
	unsigned int max_fds;

	if (fd_num < 0 || !task)
		return NULL;
	fd = BPF_CORE_READ(task, files, fdt, fd);
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd_num < max_fds)
		bpf_core_read(&f, sizeof(f), &fd[fd_num]);
	return f;
}

/* Copies the path of open descriptor `fd_num` into buf; returns the length read or < 0. */
static __always_inline long read_full_path_of_open_file_fd(int fd_num, char *buf, u64 buf_len)
{
	struct file *file = get_struct_file_for_fd(fd_num);
	struct path f_path;
	char *c_path;

	if (!file)
		return -1;
	f_path = BPF_CORE_READ(file, f_path);
	c_path = get_path_str(&f_path);
	if (!c_path)
		return -1;
	return bpf_probe_read_kernel_str(buf, buf_len, c_path);
}

#endif /* __COMMON_FILESYSTEM_H__ */
