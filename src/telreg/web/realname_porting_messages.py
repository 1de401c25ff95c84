"""The words of the operators' porting page (seed 004 Q4.3): English, Traditional and Simplified Chinese.

Merged into ``telreg.web.i18n`` (MESSAGES and HANS_MESSAGES), like the other pages' vocabularies. The
``rn_err_*`` keys explain porting's error codes on Chinese pages (realname_web.explain); they take no values.
"""

from __future__ import annotations

PORTING_MESSAGES: dict[str, tuple[str, str, str]] = {
    "rn_nav_ports": ("Number porting", "號碼轉攜", "携号转网"),
    "rn_port_title": ("Number porting", "號碼轉攜", "携号转网"),
    "rn_port_intro": (
        ("A number ported to another operator is not registered again: its owner and registered user are "
         "the same, so its registration moves with it, and so do its do-not-call listings. The receiving "
         "operator asks, with the registered holder's document; the operator the number is with confirms or "
         "rejects."),
        ("由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記;號碼的登記資料連同其拒收訊息登記一併保留。"
         "由接收營辦商憑登記用戶的身份證明文件提出申請,再由號碼現屬的營辦商確認或拒絕。"),
        ("携号转网的号码无须重新登记:号码的机主没有改变,登记信息随号码转移,其拒收登记亦保持不变。"
         "由携入方运营商凭机主的有效证件提出申请,再由号码当前所属的运营商确认或拒绝。"),
    ),
    "rn_port_show": ("Show", "顯示", "显示"),
    "rn_port_request_title": ("Ask to port a number to {operator}", "申請將號碼轉攜至 {operator}",
                              "申请将号码携入 {operator}"),
    "rn_port_doc_hint": (
        "The registered holder's document, as proof that the holder asks for the port.",
        "登記用戶的身份證明文件,以證明轉攜申請由登記用戶本人提出。",
        "机主的有效证件,以证明携转申请由机主本人提出。",
    ),
    "rn_port_request_button": ("Ask to port", "提交轉攜申請", "提交携转申请"),
    "rn_port_waiting_title": ("Waiting for your decision", "待你決定的轉攜申請", "待您处理的携转申请"),
    "rn_port_waiting_none": ("No port requests are waiting for your decision.", "沒有待你決定的轉攜申請。",
                             "没有待您处理的携转申请。"),
    "rn_port_mine_title": ("Requests you made", "你提出的轉攜申請", "您提出的携转申请"),
    "rn_port_mine_none": ("You have made no port requests.", "你未有提出任何轉攜申請。", "您尚未提出携转申请。"),
    "rn_port_decided_title": ("Recently decided by you", "你最近處理的申請", "您最近处理的申请"),
    "rn_port_col_from": ("From", "轉出營辦商", "携出方"),
    "rn_port_col_to": ("To", "轉入營辦商", "携入方"),
    "rn_port_col_asked": ("Asked", "申請時間", "申请时间"),
    "rn_port_col_reason": ("Reason", "原因", "原因"),
    "rn_port_confirm": ("Confirm and port", "確認並轉攜", "确认并转网"),
    "rn_port_reject": ("Reject", "拒絕", "拒绝"),
    "rn_port_reject_reason": ("Reason for rejecting request {id}", "拒絕申請 {id} 的原因", "拒绝申请 {id} 的原因"),
    "rn_port_cancel": ("Withdraw", "撤回", "撤回"),
    "rn_port_unchecked": (
        "Document not compared: a monthly subscriber's number held by contract; check it against the "
        "contract.",
        "未有核對證件:此為以服務合約登記的月費用戶號碼,請按合約核對。",
        "未核对证件:此为按服务合同登记的后付费号码,请按合同核对。",
    ),
    "rn_port_view_only": ("Only operator staff ask for and decide ports; you can see them here.",
                          "只有營辦商職員可提出及決定轉攜申請;你可在此查閱。",
                          "只有运营商工作人员可以提出和处理携转申请;您可以在此查阅。"),
    "rn_port_state_requested": ("waiting for the donor", "待轉出營辦商決定", "待携出方处理"),
    "rn_port_state_confirmed": ("confirmed", "已確認", "已确认"),
    "rn_port_state_rejected": ("rejected", "已拒絕", "已拒绝"),
    "rn_port_state_completed": ("ported", "已轉攜", "已携转"),
    "rn_port_state_cancelled": ("withdrawn", "已撤回", "已撤回"),
    "rn_port_flash_requested": ("Port request {id} for {number} is recorded; {operator} decides it.",
                                "已記錄 {number} 的轉攜申請 {id},由 {operator} 決定。",
                                "已记录 {number} 的携转申请 {id},由 {operator} 处理。"),
    "rn_port_flash_completed": ("{number} is ported to {operator}, registered to the same holder.",
                                "{number} 已轉攜至 {operator},登記用戶不變。",
                                "{number} 已携入 {operator},机主不变。"),
    "rn_port_flash_rejected": ("Port request {id} ({number}) is rejected.", "已拒絕轉攜申請 {id}({number})。",
                               "已拒绝携转申请 {id}({number})。"),
    "rn_port_flash_cancelled": ("Port request {id} ({number}) is withdrawn.", "已撤回轉攜申請 {id}({number})。",
                                "已撤回携转申请 {id}({number})。"),
    # porting's error codes (errors.py), explained on Chinese pages; the English sentence shows as details
    "rn_err_unknown_operator": ("There is no such operator.", "沒有此營辦商。", "没有该运营商。"),
    "rn_err_unknown_number": ("No operator has this number.", "沒有營辦商持有此號碼。", "没有运营商持有该号码。"),
    "rn_err_unknown_port": ("There is no such port request.", "沒有此轉攜申請。", "没有该携转申请。"),
    "rn_err_not_registered": ("The number is not registered, so it cannot be ported.", "號碼未有登記,不能轉攜。",
                              "号码未登记,不能携转。"),
    "rn_err_number_not_active": (
        "The number is not in service (barred, suspended or ended), so it cannot be ported.",
        "號碼並非正常使用中(已暫停或終止),不能轉攜。",
        "号码不在正常使用状态(停机或已销号),不能携转。",
    ),
    "rn_err_same_operator": ("The number is already with this operator.", "號碼已屬於此營辦商。",
                             "号码已属于该运营商。"),
    "rn_err_port_open": ("This number already has an open port request.", "此號碼已有一項未決定的轉攜申請。",
                         "该号码已有一项待处理的携转申请。"),
    "rn_err_port_closed": ("This port request was decided already.", "此轉攜申請已有決定。", "该携转申请已处理。"),
    "rn_err_port_outdated": (
        "The number changed since the request (another holder, operator or state): reject it and ask again.",
        "號碼在申請後已有改變(登記用戶、營辦商或狀況),請拒絕此申請並重新申請。",
        "号码在申请后已有变化(机主、运营商或状态),请拒绝该申请并重新申请。",
    ),
    "rn_err_not_holder": (
        "The document is not the registered holder's: only the holder may ask to port the number.",
        "此證件並非登記用戶的證件:只有登記用戶才可申請轉攜號碼。",
        "该证件并非机主本人的证件:只有机主本人才能申请携转。",
    ),
    "rn_err_quota_reached": ("The holder has reached the quota of numbers with the receiving operator.",
                             "登記用戶在接收營辦商持有的號碼已達上限。", "机主在携入方运营商名下的号码已达上限。"),
    "rn_err_not_donor": ("Only the operator the number is with confirms or rejects a port.",
                         "只有號碼現屬的營辦商可確認或拒絕轉攜。", "只有号码当前所属的运营商可以确认或拒绝携转。"),
    "rn_err_not_recipient": ("Only the operator that asked can withdraw the request.", "只有提出申請的營辦商可撤回申請。",
                             "只有提出申请的运营商可以撤回申请。"),
}
