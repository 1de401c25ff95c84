"""The words of the regulator's real-name compliance dashboard: English, Traditional and Simplified Chinese.

Merged into ``telreg.web.i18n`` (MESSAGES and HANS_MESSAGES), like the other pages' vocabularies.
"""

from __future__ import annotations

DASHBOARD_MESSAGES: dict[str, tuple[str, str, str]] = {
    "rn_nav_compliance": ("Real-name compliance", "實名登記合規", "实名登记合规"),
    "rn_dash_title": ("Real-name compliance", "實名登記合規情況", "实名登记合规情况"),
    "rn_dash_intro": (
        "The share of subscribers' numbers registered under the real-name rules, per operator, against the "
        "policy's target. Daily figures are recorded by the worker shortly after each day ends.",
        "各營辦商用戶號碼中已按實名制登記的比率,與政策目標比較。每日數字由系統於翌日凌晨記錄。",
        "各运营商用户号码中已实名登记的比率,与政策目标比较。每日数据由系统于次日凌晨记录。",
    ),
    "rn_dash_target": ("Target: {target}%", "目標:{target}%", "目标:{target}%"),
    "rn_dash_target_line": ("Target {target}%", "目標 {target}%", "目标 {target}%"),
    "rn_dash_period": ("Period", "期間", "期间"),
    "rn_dash_from": ("From", "由", "从"),
    "rn_dash_to": ("To", "至", "至"),
    "rn_dash_show": ("Show", "顯示", "显示"),
    "rn_dash_now": ("Now", "現時數字", "当前数据"),
    "rn_dash_chart_title": ("Real-name rate by day", "每日實名登記率", "每日实名率"),
    "rn_dash_chart_desc": (
        "One line per operator; the dashed red line is the target.",
        "每條線代表一個營辦商;紅色虛線為目標。",
        "每条线代表一个运营商;红色虚线为目标。",
    ),
    "rn_dash_history": ("By day", "每日數字", "每日数据"),
    "rn_dash_empty": (
        "No daily figures are recorded for this period yet.",
        "此期間尚未有每日數字。",
        "此期间尚无每日数据。",
    ),
    "rn_dash_csv": ("Download the daily figures (CSV)", "下載每日數字(CSV)", "下载每日数据(CSV)"),
    "rn_dash_noncompliance_csv": (
        "Download the non-compliant registrations (CSV)",
        "下載不合規登記紀錄(CSV)",
        "下载不合规登记记录(CSV)",
    ),
    "rn_col_day": ("Day", "日期", "日期"),
    "rn_col_operator": ("Operator", "營辦商", "运营商"),
    "rn_col_registered": ("Registered", "已登記", "已登记"),
    "rn_col_total": ("Subscribers' numbers", "用戶號碼", "用户号码"),
    "rn_col_rate": ("Real-name rate", "實名登記率", "实名率"),
    "rn_col_barred": ("Outgoing barred", "停止撥出", "单向停机"),
    "rn_col_suspended": ("Suspended", "暫停服務", "全停"),
    "rn_col_deactivated": ("Deactivated", "已取消", "已注销"),
    "rn_col_refusals": ("Refusals", "拒絕登記", "拒绝登记"),
    "rn_below_target": ("below target", "低於目標", "低于目标"),
    "rn_no_rate": ("no subscribers", "沒有用戶", "没有用户"),
}
