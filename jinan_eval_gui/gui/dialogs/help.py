"""使用说明: the yearly workflow in short, page by page."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .base import FormDialog

HELP_HTML = """
<h2>济南市新型智慧城市评价工具 · 使用说明</h2>
<p>每年的评价是一个<b>评价轮次</b>，保存为一个 <code>.jeval</code> 文件：其中包含本轮使用的指标体系、
下发记录、各单位报回的原始文件、导入的数据、专家评分和操作日志。请定期用“文件 → 备份为…”备份。</p>
<ol>
<li><b>新建评价轮次</b>（文件菜单）：填写评价年度和评价对象（默认“济南市”）。</li>
<li><b>指标体系</b>：查看 8 项一级、26 项二级、88 项三级指标，及每项指标的说明、评估方法、填报项和评分规则；
本轮评价参数（如缺报计分、信息安全扣分上限、各指标目标值）可在下方表格中修改，每次修改都会记入操作日志。</li>
<li><b>模板下发</b>：勾选责任单位，填写报送截止日期和联系人，生成每个单位的数据采集表（Excel），
通过邮件或公文系统发给各单位。</li>
<li><b>数据回收</b>：把各单位报回的文件拖放到本页（或点“添加回收文件…”），先<b>检查（预览）</b>，
在“检查结果”中按级别、单位、指标筛选问题；确认后点<b>接受导入</b>。有错误的单位可“生成反馈表”发回更正。
多个单位对同一数据报送不一致时，在“数据冲突”中选定采用哪个单位的数据并填写理由。</li>
<li><b>评分结果</b>：逐级查看得分；选中三级指标可看到计算过程（填报数据、参数、中间量、评分规则）。
需要时可给指标“专家评分”（信息安全扣分项填写扣减分值），理由必填。</li>
<li><b>评分口径</b>：逐项审阅指标体系未作规定、由本工具先行取定的评分口径（目标值、名次换算、评分细则、
缺报处理等）。选中其他口径时先试算其对总分和各指标得分的影响，点“应用”才保存；审阅后“确认”，记录确认人、
时间和意见。尚有未确认的口径时，评估报告为征求意见稿。可“导出确认单”（Word、Excel）供签字。</li>
<li><b>报告导出</b>：导出评分工作簿（Excel，含可复核的公式）和评价报告（Word、PDF），
可选择上一年度的评价轮次文件进行比较。</li>
</ol>
<h3>常见问题</h3>
<ul>
<li><b>提示文件正由另一程序打开</b>：同一评价轮次同时只能由一人编辑；可选择以只读方式打开查看。</li>
<li><b>程序内部错误</b>：详细信息写入提示中的日志文件，请将该文件发送给技术支持人员。</li>
</ul>
"""


class HelpDialog(FormDialog):
    form_name = "dialog_help"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Chinese has no spaces between words: join the source lines without any
        self.ui.helpBrowser.setHtml("".join(line.strip() for line in HELP_HTML.splitlines()))
