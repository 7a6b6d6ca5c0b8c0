"""The 填报说明 cover sheet of a template."""

from __future__ import annotations

from typing import Any

from .layout import (
    COLOR_HEADER,
    COLOR_LOCKED,
    COLOR_OPTIONAL,
    COLOR_REQUIRED,
    COLOR_TITLE,
    _footer,
    _height,
)


class CoverSheet:
    """Writes the cover sheet; mixed into the template builder, whose fields it reads."""

    # -- 填报说明 --------------------------------------------------------------------------
    def _write_cover(self, ws: Any) -> None:
        f = self.fmt
        r = self.req
        widths = (14, 58, 48)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.hide_gridlines(2)
        title = f"{r.year}年度{r.entity}新型智慧城市评价\n数据采集表（{r.unit}）"
        ws.merge_range(0, 0, 0, 2, title, f.get(bold=True, font_size=16, align="center",
                                                  font_color=COLOR_TITLE))
        ws.set_row(0, 50)
        label_fmt = f.text(bold=True, bg_color=COLOR_HEADER, align="center")
        value_fmt = f.text()
        info = [
            ("评价轮次", r.round_name), ("评价年度", f"{r.year}年度"), ("评价对象", r.entity),
            ("填报单位", r.unit), ("报送截止", r.deadline or "见通知"),
            ("联系人", r.contact_person or "见通知"), ("联系电话", r.contact_phone or "见通知"),
            ("指标体系", f"{self.cat.title}（版本 {r.catalogue_version or self.cat.version}）"),
            ("指标数量", f"本单位需填报 {len(self.indicators)} 项指标，"
                         f"{sum(len(self.inputs_of(i)) for i in self.indicators)} 个填报项"),
        ]
        row = 2
        for label, value in info:
            ws.write_string(row, 0, label, label_fmt)
            ws.merge_range(row, 1, row, 2, value, value_fmt)
            ws.set_row(row, _height([(value, widths[1] + widths[2])]))
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "填报步骤")
        deadline = r.deadline or "规定时间"
        contact = r.contact_person or "评价工作组"
        if r.contact_phone:
            contact += f"（电话 {r.contact_phone}）"
        steps = [
            "打开“数据填报”工作表，逐项填写带底色的单元格：黄色为必填，绿色为选填；其他单元格已锁定，无需填写。",
            "数值只填阿拉伯数字，不要填写计量单位、文字或“约”“左右”等字样；计量单位见“计量单位”列。",
            "百分比填写0-100之间的数值，如85表示85%，不要输入“%”。",
            "“是/否”和选项类填报项请点击单元格右侧的下拉箭头选择，不要自行输入。",
            "明细表按行逐条填写，不要插入或删除行、列；行数不够时请在该指标的备注中说明并另附清单。",
            "在“佐证材料说明”栏写明佐证材料的名称、文号或网址；佐证材料按通知要求另行报送。",
            "确实无法提供的数据请留空，并在该指标的“备注”中说明原因，不要填0。",
            "填写表末的填报人、联系电话、填报日期和审核人，经本单位审核后报送。",
            "请勿修改工作表名称和结构，不要删除隐藏的工作表，也不要把内容复制到新文件；"
            "用 Excel 或 WPS 直接保存为 .xlsx 格式（WPS 请选择“Excel 文件(*.xlsx)”）。",
            f"请于{deadline}前将本文件报送{contact}，文件名请保持不变。",
        ]
        for n, text in enumerate(steps, 1):
            ws.write_string(row, 0, f"第{n}步", f.text(align="center"))
            ws.merge_range(row, 1, row, 2, text, value_fmt)
            ws.set_row(row, _height([(text, widths[1] + widths[2])]))
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "单元格颜色说明")
        legend = [
            (COLOR_REQUIRED, "必填", "黄色单元格：必须填写的数据"),
            (COLOR_OPTIONAL, "选填", "绿色单元格：选填的内容（佐证材料说明、备注等）"),
            (COLOR_HEADER, "指标", "蓝色行：指标名称和表头，不可修改"),
            (COLOR_LOCKED, "锁定", "灰色或白色单元格：说明文字，已锁定，无需填写"),
        ]
        for color, sample, text in legend:
            ws.write_string(row, 0, sample, f.get(border=1, align="center", bg_color=color))
            ws.merge_range(row, 1, row, 2, text, value_fmt)
            ws.set_row(row, 20)
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "本单位填报的指标")
        head = f.text(bold=True, bg_color=COLOR_HEADER, align="center")
        for col, text in enumerate(("编号", "指标名称", "评分口径")):
            ws.write_string(row, col, text, head)
        ws.set_row(row, 20)
        row += 1
        for ind in self.indicators:
            ws.write_number(row, 0, ind.id, f.text(align="center"))
            ws.write_string(row, 1, ind.name, value_fmt)
            assumption = ind.assumption or "按评估方法计算"
            ws.write_string(row, 2, assumption, f.text(font_size=9))
            ws.set_row(row, _height([(ind.name, widths[1]), (assumption, widths[2] * 1.1)]))
            row += 1
        ws.set_portrait()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        _footer(ws, r.unit)
        self._protect(ws)

    def _cover_heading(self, ws: Any, row: int, text: str) -> int:
        ws.merge_range(row, 0, row, 2, text, self.fmt.get(bold=True, font_size=12,
                                                           font_color=COLOR_TITLE))
        ws.set_row(row, 22)
        return row + 1
