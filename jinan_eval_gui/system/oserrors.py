"""What an operating-system error means, in words a user can act on (Chinese).

``OSError.strerror`` is English (or the system's language on Windows) and names no remedy;
the commands and the window show these texts instead.
"""

from __future__ import annotations

import errno

_TEXTS = {
    errno.ENOSPC: ("磁盘空间不足", "请清理磁盘空间，或换一个有足够空间的位置后重试"),
    getattr(errno, "EDQUOT", -1): ("磁盘配额已用完", "请清理磁盘空间，或换一个位置后重试"),
    errno.EFBIG: ("文件超过系统允许的大小", "请换一个位置（磁盘）后重试"),
    errno.EROFS: ("该位置是只读的", "请选择一个可写的文件夹"),
    errno.EACCES: ("没有访问权限（或文件正被其他程序打开）", "请检查权限，关闭正在使用该文件的程序后重试"),
    errno.EPERM: ("系统不允许该操作", "请选择一个可写的文件夹"),
    errno.ENOENT: ("路径不存在", "请检查路径是否正确"),
    errno.ENOTDIR: ("路径中有一部分不是文件夹", "请检查路径是否正确"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "请检查路径是否正确"),
    errno.EEXIST: ("文件已存在", "请换一个名称"),
    errno.EIO: ("磁盘读写出错", "请检查磁盘或 U 盘是否连接正常"),
    errno.ENAMETOOLONG: ("路径或文件名过长", "请换一个较短的路径或文件名"),
    errno.EBUSY: ("文件正被占用", "请关闭正在使用该文件的程序后重试"),
    errno.EMFILE: ("打开的文件过多", "请关闭其他程序后重试"),
    errno.EINVAL: ("路径或文件名无效（可能含有 \\ / : * ? \" < > | 等字符）", "请换一个名称或位置后重试"),
    errno.ENOTEMPTY: ("文件夹不是空的", "请换一个文件夹，或先清空该文件夹"),
    errno.EXDEV: ("不能跨磁盘移动该文件", "请换一个位于同一磁盘上的文件夹"),
    errno.ELOOP: ("路径中的快捷方式（链接）循环指向自身", "请检查路径是否正确"),
    errno.ETXTBSY: ("文件正被占用", "请关闭正在使用该文件的程序后重试"),
    errno.EAGAIN: ("系统暂时无法完成该操作", "请稍候重试"),
    errno.ETIMEDOUT: ("访问超时（网络位置可能已断开）", "请检查网络连接，或换一个本地文件夹"),
    getattr(errno, "EHOSTDOWN", -2): ("网络位置无法访问", "请检查网络连接，或换一个本地文件夹"),
    getattr(errno, "ENODEV", -3): ("设备不存在（U 盘或网络驱动器可能已断开）", "请检查设备是否连接正常"),
    getattr(errno, "ENXIO", -4): ("设备不存在（U 盘或网络驱动器可能已断开）", "请检查设备是否连接正常"),
}
_WRITE_FAILURES = {errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EROFS,
                   errno.EIO}


def describe(exc: OSError) -> str:
    """What happened, in Chinese (a rare error by its code, never the system's English)."""
    known = _TEXTS.get(exc.errno or 0)
    if known:
        return known[0]
    code = exc.errno or getattr(exc, "winerror", None)
    return f"操作系统报告了错误（错误代码 {code}）" if code else "操作系统报告了错误"


def remedy(exc: OSError) -> str:
    """What the user can do about it (Chinese)."""
    known = _TEXTS.get(exc.errno or 0)
    return known[1] if known else "请检查磁盘空间、文件夹权限和路径后重试"


def is_write_failure(exc: BaseException) -> bool:
    """Whether ``exc`` means the storage refused data (full, read-only, too large, I/O)."""
    return isinstance(exc, OSError) and exc.errno in _WRITE_FAILURES


def message(exc: OSError) -> str:
    """A whole sentence for a dialog: what failed, where, what to do (never the English text)."""
    where = f"“{exc.filename}”" if getattr(exc, "filename", None) else ""
    return f"文件操作未完成{where}：{describe(exc)}。{remedy(exc)}。"
