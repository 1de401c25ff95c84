"""The words of the sender portal and the officers' account pages, in English and Traditional Chinese.

Merged into ``telreg.web.i18n.MESSAGES``; kept apart so the public pages' vocabulary stays readable. Keys named
``error_<code>`` explain a DomainError code in Chinese (the English pages show the error's own message).
"""

from __future__ import annotations

SENDER_MESSAGES: dict[str, tuple[str, str]] = {
    # navigation and header
    "nav_senders": ("Senders", "發送者"),
    "nav_profile": ("Account profile", "帳戶資料"),
    "nav_downloads": ("Downloads", "下載"),
    "nav_online_check": ("Online check", "網上查核"),
    "nav_api_keys": ("API keys", "API 密鑰"),
    "nav_sender_accounts": ("Sender accounts", "發送者帳戶"),
    "log_out": ("Log out", "登出"),
    "logged_in_as": ("Logged in as {name}", "已登入:{name}"),
    # vocabulary
    "capacity": ("Applying as", "申請身分"),
    "capacity_individual": ("Individual", "個人"),
    "capacity_hk-company": ("Hong Kong company", "香港公司"),
    "capacity_overseas-company": ("Overseas company", "海外公司"),
    "capacity_other-organisation": ("Other organisation", "其他機構"),
    "plan_12-months": ("12 months", "12 個月"),
    "plan_3-months": ("3 months", "3 個月"),
    "plan_none": ("Not wanted", "不需要"),
    "method_cheque": ("Cheque", "支票"),
    "method_payment-by-phone": ("Payment by Phone", "繳費靈"),
    "method_cash": ("Cash", "現金"),
    "state_applied": ("Applied", "已申請"),
    "state_awaiting-documents": ("Awaiting documents", "等待文件"),
    "state_awaiting-payment": ("Awaiting payment", "等待付款"),
    "state_active": ("Active", "生效中"),
    "state_expired": ("Expired (grace period)", "已過期(寬限期)"),
    "state_cancelled": ("Cancelled", "已取消"),
    "state_pending_all": ("Waiting for documents or payment", "等待文件或付款"),
    "state_note_applied": (
        "Your application is being processed: upload the documents below and pay the fees; the account is "
        "activated when both are done.",
        "你的申請正在處理中:請在下面上載文件並繳付費用;兩者完成後帳戶便會啟用。",
    ),
    "state_note_awaiting-documents": (
        "Your fees are paid; the account is activated once your documents are accepted.",
        "費用已繳付;文件獲接納後帳戶便會啟用。",
    ),
    "state_note_awaiting-payment": (
        "Your documents are accepted; the account is activated once the fees are paid.",
        "文件已獲接納;繳付費用後帳戶便會啟用。",
    ),
    "state_note_expired": (
        "Your subscription has expired. You can renew it below; downloads and checks reopen once the renewal "
        "is paid. After two months without renewal the account is cancelled.",
        "你的訂用已過期。你可在下面續期;續期費用繳付後即可再次下載及查核。過期兩個月仍未續期,帳戶將被取消。",
    ),
    "state_note_cancelled": ("This account is cancelled.", "此帳戶已被取消。"),
    "period_active": ("Active", "生效中"),
    "period_grace": ("Expired (grace period)", "已過期(寬限期)"),
    "period_lapsed": ("Lapsed", "已失效"),
    "period_not-started": ("Not started yet", "尚未開始"),
    "doc_hkid-copy": ("Copy of the Hong Kong identity card", "香港身份證副本"),
    "doc_certificate-of-incorporation": ("Certificate of incorporation", "公司註冊證明書"),
    "doc_business-registration": ("Business registration certificate", "商業登記證"),
    "doc_overseas-registration": (
        "Certificate of incorporation or registration in the place of origin", "原居地的公司註冊或登記證明書"),
    "doc_organisation-registration": ("Certificate of registration of the organisation", "機構的註冊證明書"),
    "doc_authorisation-letter": (
        "Letter authorising the applicant to act for the organisation", "授權申請人代表機構的授權書"),
    "doc_status_missing": ("Not uploaded yet", "尚未上載"),
    "doc_status_submitted": ("Uploaded, waiting for review", "已上載,等待審核"),
    "doc_status_accepted": ("Accepted", "已接納"),
    "doc_status_rejected": ("Rejected", "不獲接納"),
    "doc_status_superseded": ("Replaced", "已被取代"),
    "col_state": ("State", "狀況"),
    "col_plan": ("Plan", "計劃"),
    "col_fee": ("Fee", "費用"),
    "col_expires_on": ("Expiry date", "屆滿日期"),
    "col_grace_ends_on": ("Renew by (end of grace)", "續期限期(寬限期完結)"),
    "col_applied_on": ("Applied on", "申請日期"),
    "col_documents": ("Documents", "文件"),
    "col_document": ("Document", "文件"),
    "col_file": ("File", "檔案"),
    "col_publication": ("Publication", "發布日期"),
    "col_address": ("Address", "網絡地址"),
    "col_api_key": ("API key", "API 密鑰"),
    "col_size": ("Size", "大小"),
    "col_lines": ("Lines", "行數"),
    "col_checksums": ("Checksums", "校驗碼"),
    "col_kind": ("Contents", "內容"),
    "col_fee_per_register": ("Fee per register", "每個登記冊的費用"),
    "col_effective_from": ("In force from", "生效日期"),
    "col_source": ("Source", "來源"),
    "order_caption": ("Order {id} ({kind}, {date})", "訂單 {id}({kind},{date})"),
    "order_kind_application": ("new subscription", "新訂用"),
    "order_kind_renewal": ("renewal", "續期"),
    "order_total": ("Total", "總額"),
    "order_outstanding": ("Outstanding", "尚欠金額"),
    "payment_line": (
        "{method} {reference}: {amount}, received {date} (recorded by {by})",
        "{method} {reference}:{amount},{date} 收妥(由 {by} 記錄)",
    ),
    "payment_instructions": (
        "Pay by cheque payable to the Office of the Communications Authority, by Payment by Phone (PPS) or in "
        "cash at the office, quoting the order number. All fees must be paid before the account can be used.",
        "請以支票(抬頭「通訊事務管理局辦公室」)、繳費靈或在辦事處以現金付款,並註明訂單編號。所有費用必須繳清,帳戶方可使用。",
    ),
    "form_not_done": ("That was not done", "未能完成"),
    # application
    "apply_title": ("Apply for a subscription account", "申請訂用帳戶"),
    "apply_intro": (
        "Senders of commercial electronic messages apply here to download the do-not-call registers and check "
        "numbers online. After applying you upload the documentary proof (if not now) and pay the fees; the "
        "account is activated when both are done and you are told by email.",
        "商業電子訊息的發送者可在此申請下載拒收訊息登記冊及網上查核號碼。申請後請上載證明文件(如現在未上載)及繳付費用;兩者完成後帳戶便會啟用,並以電郵通知你。",
    ),
    "apply_problem": ("The application was not made", "申請未能提交"),
    "applicant_or_company": ("Name of the applicant (the company's name for a company)", "申請人姓名(公司請填公司名稱)"),
    "contact_email": ("Contact email", "聯絡電郵"),
    "apply_registers": ("Registers and plans", "登記冊及計劃"),
    "apply_registers_hint": (
        "Choose a plan for each register you want (one application can cover several registers). The fee is "
        "per register, at the fees in force today.",
        "請為每個需要的登記冊選擇計劃(一個申請可包括多個登記冊)。費用按每個登記冊計算,以今天生效的收費為準。",
    ),
    "apply_sign_in": ("How you will log in", "登入資料"),
    "username_hint": (
        "4 to 32 characters: letters, digits, '.', '-' and '_'.", "4 至 32 個字元:英文字母、數字、「.」、「-」及「_」。"),
    "password_hint": (
        "At least 10 characters, not containing the username.", "最少 10 個字元,不可包含用戶名稱。"),
    "password_again": ("Password again", "再次輸入密碼"),
    "security_question": ("Security question", "保安問題"),
    "security_question_hint": (
        "Asked if you forget your password; choose one only you can answer.", "忘記密碼時會問你這問題;請選擇只有你能回答的問題。"),
    "security_answer": ("Answer to the security question", "保安問題的答案"),
    "apply_documents": ("Documentary proof", "證明文件"),
    "apply_documents_hint": (
        "PDF, PNG or JPEG, up to {mb} MB each. You can also upload them later from your account profile.",
        "PDF、PNG 或 JPEG 格式,每個檔案最大 {mb} MB。你亦可稍後在帳戶資料頁上載。",
    ),
    "apply_button": ("Apply", "提交申請"),
    "have_account": ("Already have an account?", "已有帳戶?"),
    "applied_title": ("Application received", "申請已收到"),
    "applied_intro": (
        "Thank you. Your account {username} has been opened; an email with the documents needed and the payment "
        "details has been sent to {email}.",
        "謝謝。你的帳戶 {username} 已開立;載有所需文件及付款詳情的電郵已發送至 {email}。",
    ),
    "application_number": ("Application number", "申請編號"),
    "applied_fees": ("Fees to pay", "應繳費用"),
    "applied_documents": ("Documents", "文件"),
    "applied_upload_later": (
        "Log in with your username and password to upload the documents still needed.",
        "請以你的用戶名稱及密碼登入,上載仍欠的文件。",
    ),
    # profile
    "profile_title": ("Account profile", "帳戶資料"),
    "profile_registers": ("Registers and expiry dates", "登記冊及屆滿日期"),
    "profile_no_registers": (
        "No register is active yet: the subscription starts when the account is activated.",
        "尚未有生效的登記冊:訂用於帳戶啟用時開始。",
    ),
    "renew_title": ("Renew", "續期"),
    "renew_hint": (
        "A renewal starts on the current expiry date, so no day is lost or paid twice. It takes effect when "
        "the payment is recorded.",
        "續期由現時的屆滿日期開始計算,不會重疊亦不會中斷。續期於付款記錄後生效。",
    ),
    "renew_none": ("Do not renew", "不續期"),
    "renew_option": ("{plan} for {fee}: {starts} to {expires}", "{plan},{fee}:{starts} 至 {expires}"),
    "renew_button": ("Order the renewal", "提交續期訂單"),
    "renew_cancel": ("Withdraw renewal order {id}", "撤回續期訂單 {id}"),
    "orders_title": ("Orders waiting for payment", "等待付款的訂單"),
    "documents_title": ("Documentary proof", "證明文件"),
    "doc_rejected_reason": ("Rejected: {reason}", "不獲接納:{reason}"),
    "upload_file_for": ("File for: {doc}", "上載檔案:{doc}"),
    "upload_button": ("Upload", "上載"),
    "flash_document_uploaded": ("{filename} was uploaded.", "已上載 {filename}。"),
    "flash_renewal_ordered": (
        "Renewal order {id} was made; it takes effect when the payment is recorded.", "已提交續期訂單 {id};付款記錄後生效。"),
    "flash_renewal_cancelled": ("Renewal order {id} was withdrawn.", "已撤回續期訂單 {id}。"),
    # log in, password
    "sender_login_title": ("Log in to your subscription account", "登入訂用帳戶"),
    "captcha_label": ("Type the characters in the picture", "請輸入圖中的字元"),
    "captcha_alt": (
        "Picture of distorted characters. Ask OFCA for help if you cannot read it.",
        "扭曲字元的圖片。如無法閱讀,請聯絡通訊辦協助。",
    ),
    "captcha_new": ("Show another picture", "換一張圖片"),
    "captcha_wrong": (
        "The characters typed do not match the picture. Try again with the new picture.",
        "輸入的字元與圖片不符。請按新圖片再試。",
    ),
    "log_in": ("Log in", "登入"),
    "forgot_password": ("Forgotten your password?", "忘記密碼?"),
    "apply_link": ("Apply for an account", "申請帳戶"),
    "flash_logged_out": ("You have logged out.", "你已登出。"),
    "password_title": ("Change your password", "更改密碼"),
    "password_forced": (
        "You logged in with a one-time password. Choose your own password now to continue.",
        "你以一次性密碼登入。請立即設定你自己的密碼以繼續。",
    ),
    "current_password": ("Current password", "現時密碼"),
    "new_password": ("New password", "新密碼"),
    "new_password_again": ("New password again", "再次輸入新密碼"),
    "password_button": ("Change password", "更改密碼"),
    "flash_password_changed": ("Your password was changed.", "你的密碼已更改。"),
    "forgot_title": ("Forgotten password", "忘記密碼"),
    "forgot_intro": (
        "Give your username to be asked your security question. If you cannot answer it, send OFCA a fax with "
        "your account name, company name and a telephone or fax number, with documentary proof; you will be "
        "given a one-time password.",
        "請輸入用戶名稱以回答保安問題。如無法回答,請傳真至通訊辦,提供帳戶名稱、公司名稱及電話或傳真號碼,並附上證明文件;你將獲發一次性密碼。",
    ),
    "forgot_next": ("Continue", "繼續"),
    "forgot_question": ("Your security question: {question}", "你的保安問題:{question}"),
    "forgot_button": ("Set the new password", "設定新密碼"),
    "flash_password_reset": (
        "Your password was changed; log in with the new password.", "你的密碼已更改;請以新密碼登入。"),
    # downloads
    "downloads_title": ("Download the registers", "下載登記冊"),
    "downloads_window": (
        "Downloads are not available from 23:00 to 00:00 Hong Kong time while the registers are updated. "
        "They reopen at 00:00.",
        "每日 23:00 至 00:00(香港時間)登記冊更新期間暫停下載,並於 00:00 重新開放。",
    ),
    "downloads_publication": (
        "Publication of {date}, made at the close of registrations (23:00).", "{date} 的發布,於登記截止時(23:00)製作。"),
    "downloads_none": (
        "Nothing has been published yet; the registers are published every night at 23:00.",
        "尚未有任何發布;登記冊每晚 23:00 發布。",
    ),
    "downloads_verify": (
        "After downloading, check the file against its checksum, for example: sha256sum -c sms-numbers.zip.sha256 "
        "(or md5sum -c … .md5). A file that does not match was damaged in transit: download it again.",
        "下載後請以校驗碼核對檔案,例如:sha256sum -c sms-numbers.zip.sha256(或 md5sum -c … .md5)。如不相符,表示檔案在傳送時損壞,請重新下載。",
    ),
    "downloads_kind_numbers": ("Numbers only", "只有號碼"),
    "downloads_kind_dated": ("Numbers with registration dates", "號碼及登記日期"),
    "downloads_kind_changes": ("Changes since the previous publication", "自上次發布以來的變更"),
    "downloads_register": ("{register} register (numbers listed: {count})", "{register}登記冊(已登記號碼:{count} 個)"),
    "downloads_not_now": ("Downloads are not open to this account now", "此帳戶現時不能下載"),
    "downloads_unusable": ("{register}: {message}", "{register}:{message}"),
    "download_link": ("Download {file}", "下載 {file}"),
    "bytes": ("{size} bytes", "{size} 位元組"),
    # online check
    "check_title": ("Online check of numbers", "網上查核號碼"),
    "check_intro": (
        "Check up to {limit} numbers at a time against the registers you subscribe to. To cleanse a large "
        "database, download the whole register instead.",
        "每次最多可查核 {limit} 個號碼(只限你已訂用的登記冊)。如要清理大型資料庫,請下載整個登記冊。",
    ),
    "check_numbers": ("Numbers, one per line", "號碼(每行一個)"),
    "check_numbers_hint": ("Up to {limit} numbers; spaces and +852 are allowed.", "最多 {limit} 個號碼;可包含空格及 +852。"),
    "check_registers": ("Registers to check", "查核的登記冊"),
    "check_on": ("Protection in force on", "保障生效的查核日期"),
    "check_on_hint": ("Leave empty for today.", "留空即以今天為準。"),
    "check_results": ("Results for {count} numbers", "{count} 個號碼的結果"),
    "check_summary": (
        "{listed} listed, {protected} protected on {on}, {invalid} invalid.",
        "{listed} 個已登記,{protected} 個於 {on} 受保障,{invalid} 個無效。",
    ),
    "col_input": ("Entered", "輸入"),
    "check_listed": ("Listed", "已登記"),
    "check_not_listed": ("Not listed", "未登記"),
    "check_invalid": ("Invalid", "無效"),
    "check_registered_on": ("registered {date}", "{date} 登記"),
    "check_protected_on": ("protected from {date}", "{date} 起受保障"),
    "check_protected_yes": ("protection in force", "保障已生效"),
    "check_protected_no": ("protection not yet in force", "保障尚未生效"),
    # API keys
    "keys_title": ("API keys for automation", "自動化用的 API 密鑰"),
    "keys_disabled": (
        "Automated downloading is by arrangement: ask OFCA (dnc-admin@ofca.gov.hk) to enable it for your "
        "account. Then you can create keys here.",
        "自動下載須作特別安排:請聯絡通訊辦(dnc-admin@ofca.gov.hk)為你的帳戶啟用。其後你可在此建立密鑰。",
    ),
    "keys_intro": (
        "Scripts use a key instead of logging in (header Authorization: Bearer <key>). A key is shown once, "
        "when it is made: store it safely. Revoke a key you no longer use.",
        "程式可使用密鑰代替登入(標頭 Authorization: Bearer <密鑰>)。密鑰只在建立時顯示一次,請妥善保存。不再使用的密鑰請撤銷。",
    ),
    "key_label": ("Name of the key", "密鑰名稱"),
    "key_label_hint": ("For example the server that uses it.", "例如使用該密鑰的伺服器。"),
    "key_registers": ("Registers the key may use", "密鑰可使用的登記冊"),
    "key_create": ("Create key", "建立密鑰"),
    "key_shown_once": (
        "Your new key (shown only now; copy it and store it safely):", "你的新密鑰(只顯示一次,請複製並妥善保存):"),
    "keys_none": ("No keys yet.", "尚未有密鑰。"),
    "key_revoke": ("Revoke {label}", "撤銷 {label}"),
    "col_label": ("Name", "名稱"),
    "col_prefix": ("Key starts with", "密鑰開首"),
    "col_created": ("Created", "建立時間"),
    "col_last_used": ("Last used", "最後使用"),
    "key_revoked_on": ("revoked {date}", "已於 {date} 撤銷"),
    "flash_key_revoked": ("The key {label} was revoked.", "已撤銷密鑰 {label}。"),
    # officers
    "senders_list_title": ("Sender accounts", "發送者帳戶"),
    "senders_none": ("No accounts in this state.", "沒有此狀況的帳戶。"),
    "show_button": ("Show", "顯示"),
    "docs_accepted": ("Documents accepted", "文件已接納"),
    "docs_missing": ("{count} missing or rejected", "{count} 份欠缺或不獲接納"),
    "docs_to_review": ("To review", "待審核"),
    "docs_accept_button": ("Accept the documents", "接納文件"),
    "doc_reject_reason": ("Reason for rejecting: {doc}", "不接納的原因:{doc}"),
    "account_title": ("Sender account {username}", "發送者帳戶 {username}"),
    "orders_officer_title": ("Orders and payments", "訂單及付款"),
    "orders_none": ("No orders.", "沒有訂單。"),
    "payment_form": ("Record a payment for order {id}", "記錄訂單 {id} 的付款"),
    "payment_method": ("Method", "付款方式"),
    "payment_reference": ("Reference (cheque number, PPS reference or receipt number)", "參考編號(支票號碼、繳費靈參考編號或收據號碼)"),
    "payment_amount": ("Amount (HK$)", "金額(港元)"),
    "payment_received_on": ("Received on", "收款日期"),
    "payment_button": ("Record payment", "記錄付款"),
    "payment_not_recorded": ("The payment was not recorded", "付款未有記錄"),
    "flash_documents_accepted": ("The documents of account {id} were accepted.", "已接納帳戶 {id} 的文件。"),
    "flash_document_rejected": (
        "Document {id} was rejected; the sender is emailed the reason.", "文件 {id} 不獲接納;已以電郵通知發送者原因。"),
    "flash_payment_partial": (
        "The payment on order {id} was recorded; {outstanding} is still outstanding.",
        "已記錄訂單 {id} 的付款;尚欠 {outstanding}。",
    ),
    "flash_payment_settled": ("Order {id} is paid in full.", "訂單 {id} 已全數繳付。"),
    "flash_payment_settled_active": (
        "Order {id} is paid in full; the account is active and the sender has been emailed.",
        "訂單 {id} 已全數繳付;帳戶已啟用,並已以電郵通知發送者。",
    ),
    "controls_title": ("Sign-in and automation", "登入及自動化"),
    "automation_on": ("Automation (API keys) is enabled.", "已啟用自動化(API 密鑰)。"),
    "automation_off": ("Automation (API keys) is not enabled.", "未啟用自動化(API 密鑰)。"),
    "automation_enable": ("Enable automation", "啟用自動化"),
    "automation_disable": ("Disable automation", "停用自動化"),
    "flash_automation_on": ("Automation was enabled for account {id}.", "已為帳戶 {id} 啟用自動化。"),
    "flash_automation_off": (
        "Automation was disabled for account {id}; its keys no longer work.", "已為帳戶 {id} 停用自動化;其密鑰不再有效。"),
    "sign_in_status": ("Failed log-ins: {count}", "登入失敗次數:{count}"),
    "locked_until": ("Locked until {at}", "鎖定至 {at}"),
    "otp_pending": ("A one-time password is waiting to be changed.", "一次性密碼尚待更改。"),
    "otp_button": ("Issue a one-time password", "發出一次性密碼"),
    "otp_issued": (
        "One-time password for {username} (shown only now; tell the sender by phone or fax; it must be changed "
        "at the next log-in):",
        "{username} 的一次性密碼(只顯示一次;請以電話或傳真通知發送者;下次登入時必須更改):",
    ),
    "unlock_button": ("Unlock", "解除鎖定"),
    "flash_unlocked": ("Account {id} was unlocked.", "已解除帳戶 {id} 的鎖定。"),
    "downloads_log_title": ("Downloads", "下載紀錄"),
    "downloads_log_none": ("No downloads recorded.", "沒有下載紀錄。"),
    "fees_title": ("Subscription fees", "訂用費用"),
    "fees_in_force": ("Fees in force on {date}", "{date} 生效的收費"),
    "fees_history": ("Fee table", "收費表"),
    "fees_revise": ("Revise a fee", "修訂收費"),
    "fee_amount": ("Fee per register (HK$)", "每個登記冊的費用(港元)"),
    "fee_amount_hint": ("For example 1600 or 425.00", "例如 1600 或 425.00"),
    "fee_from_hint": (
        "Today or a later date; orders made before it keep their fees.", "今天或以後的日期;之前的訂單維持原有收費。"),
    "fees_revise_button": ("Publish the revised fee", "公布修訂收費"),
    "fee_source_default": ("Default", "預設"),
    "fee_source_revision": ("Revision by {by}", "由 {by} 修訂"),
    "flash_fee_revised": ("The {plan} fee from {date} was published.", "已公布由 {date} 起的 {plan} 收費。"),
    # errors explained in Chinese (English pages show the error's own message)
    "error_invalid_input": ("The information given is not valid.", "輸入的資料無效,請檢查後再試。"),
    "error_login_failed": ("The username or password is not correct.", "用戶名稱或密碼不正確。"),
    "error_account_locked": (
        "Too many wrong attempts: this account is locked for a while.", "錯誤嘗試次數過多:此帳戶暫時被鎖定。"),
    "error_one_time_password_expired": (
        "The one-time password has expired; ask OFCA for a new one.", "一次性密碼已過期;請向通訊辦索取新密碼。"),
    "error_reset_failed": (
        "The username or the answer to the security question is not correct.", "用戶名稱或保安問題的答案不正確。"),
    "error_wrong_current_password": ("The current password is not correct.", "現時密碼不正確。"),
    "error_weak_password": ("The password is not acceptable.", "密碼不符合要求。"),
    "error_username_taken": ("This username is taken; choose another.", "此用戶名稱已被使用;請另選一個。"),
    "error_unknown_register": ("Unknown register.", "沒有此登記冊。"),
    "error_wrong_document_type": ("This document is not needed for this application.", "此申請不需要這類文件。"),
    "error_missing_documents": ("Some documents are missing or were rejected.", "部分文件欠缺或不獲接納。"),
    "error_unacceptable_file": (
        "The file is empty, too large, or not a PDF, PNG or JPEG file.", "檔案是空的、過大,或不是 PDF、PNG 或 JPEG 檔案。"),
    "error_account_cancelled": ("This account is cancelled; apply again as a new applicant.", "此帳戶已被取消;請以新申請人身分重新申請。"),
    "error_account_not_found": ("There is no such account.", "沒有此帳戶。"),
    "error_duplicate_payment": ("This payment reference was already recorded.", "此付款參考編號已記錄。"),
    "error_overpayment": ("The amount is more than what is outstanding.", "金額多於尚欠金額。"),
    "error_order_not_payable": ("This order cannot be paid or changed.", "此訂單不能付款或更改。"),
    "error_renewal_pending": ("A renewal order is already waiting for payment.", "已有續期訂單等待付款。"),
    "error_register_not_held": ("The account does not subscribe to this register.", "此帳戶沒有訂用此登記冊。"),
    "error_wrong_state": ("This cannot be done in the account's present state.", "帳戶現時的狀況不能進行此操作。"),
    "error_too_many_numbers": ("At most 100 numbers can be checked at a time.", "每次最多只可查核 100 個號碼。"),
    "error_register_not_usable": (
        "The account may not use this register now.", "此帳戶現時不能使用此登記冊。"),
    "error_publication_not_found": ("That publication or file is not available.", "沒有該發布或檔案。"),
    "error_bad_file_name": ("That is not the name of a register file.", "這不是登記冊檔案的名稱。"),
    "error_api_access_disabled": ("Automation is not enabled for this account.", "此帳戶未啟用自動化。"),
    "error_api_key_not_found": ("There is no such key.", "沒有此密鑰。"),
    "error_too_many_api_keys": ("The account has as many keys as allowed; revoke one first.", "帳戶的密鑰已達上限;請先撤銷一個。"),
    "error_password_change_required": ("Change your password first.", "請先更改密碼。"),
    "error_conflict": ("This conflicts with what is already recorded.", "與現有紀錄有衝突。"),
    "error_not_found": ("Not found.", "找不到。"),
    "error_permission_denied": ("Not allowed.", "不獲准許。"),
    # consent and unsubscribe lists (senders.lists)
    "nav_lists": ("Consent lists", "同意名單"),
    "lists_title": ("Consent and unsubscribe lists", "同意及取消接收名單"),
    "lists_intro": (
        "Record the consents and unsubscribe requests your recipients give you. Nothing is overwritten: a number's "
        "current state is its latest instruction, and when a consent and an unsubscribe carry the same time the "
        "unsubscribe wins.",
        "記錄收訊人給予你的同意及取消接收要求。紀錄不會被覆寫:號碼現時的狀況以最新的指示為準;"
        "如同意與取消接收要求的時間相同,則以取消接收要求為準。",
    ),
    "lists_none": (
        "Your account holds no register now, so it keeps no lists.", "你的帳戶現時沒有訂用任何登記冊,因此沒有名單。"),
    "lists_choose": ("Choose a list", "選擇名單"),
    "lists_client": ("Client reference", "客戶參考編號"),
    "lists_client_hint": (
        "Leave empty for your own list; a marketing service provider keeps one list per client company.",
        "你自己的名單請留空;代客戶發送訊息的服務提供者可為每間客戶公司另設名單。",
    ),
    "lists_show": ("Show the list", "顯示名單"),
    "lists_own": ("your own list", "你自己的名單"),
    "lists_list_title": ("{register} register: {client}", "{register}登記冊:{client}"),
    "lists_counts": (
        "{numbers} numbers: {consents} with consent, {unsubscribes} unsubscribed.",
        "共 {numbers} 個號碼:{consents} 個已同意,{unsubscribes} 個已取消接收。",
    ),
    "lists_export_current": ("Export the current state (CSV)", "匯出現時狀況(CSV)"),
    "lists_export_full": ("Export the whole history (CSV)", "匯出全部紀錄(CSV)"),
    "lists_import_title": ("Upload instructions", "上載指示"),
    "lists_import_intro": (
        "A CSV file of up to {max_mb} MB with the header number,instruction,at (instruction is consent or "
        "unsubscribe; at is a date and time such as 2026-03-02T10:00, Hong Kong time). Columns how, reference and "
        "channel may be added. If any line is wrong, nothing is recorded and every wrong line is listed.",
        "CSV 檔案,不超過 {max_mb} MB,標題列為 number,instruction,at(instruction 為 consent 或 unsubscribe;"
        "at 為日期及時間,例如 2026-03-02T10:00,香港時間)。可另加 how、reference 及 channel 欄。"
        "如有任何一行錯誤,整個檔案都不會記錄,並會列出每一行錯誤。",
    ),
    "lists_how": ("How it was given", "給予方式"),
    "lists_how_hint": (
        "Used for lines without a how column, e.g. web-form, reply-stop, call, written.",
        "用於沒有 how 欄的行,例如 web-form、reply-stop、call、written。",
    ),
    "lists_file": ("Instructions file (CSV)", "指示檔案(CSV)"),
    "lists_import_button": ("Upload", "上載"),
    "lists_bad_line": ("Line {line}", "第 {line} 行"),
    "flash_lists_imported": (
        "{recorded} instructions recorded (consents: {consents}; unsubscribes: {unsubscribes}).",
        "已記錄 {recorded} 項指示:{consents} 項同意,{unsubscribes} 項取消接收。",
    ),
    "flash_lists_imported_again": (
        "{recorded} instructions recorded (consents: {consents}; unsubscribes: {unsubscribes}); "
        "{already} already recorded, not added again.",
        "已記錄 {recorded} 項指示:{consents} 項同意,{unsubscribes} 項取消接收;{already} 項早已記錄,沒有重複加入。",
    ),
    "lists_search_title": ("A number's history", "號碼的紀錄"),
    "lists_number": ("Number", "號碼"),
    "lists_number_hint": ("8 digits, e.g. 6123 4567", "8 位數字,例如 6123 4567"),
    "lists_search_button": ("Search", "搜尋"),
    "lists_current_consent": ("{number}: consent, given {at}.", "{number}:已同意,於 {at} 給予。"),
    "lists_current_unsubscribe": ("{number}: unsubscribed, asked {at}.", "{number}:已取消接收,於 {at} 提出。"),
    "lists_no_history": ("{number} is not on this list.", "{number} 不在此名單內。"),
    "lists_history_caption": ("Instructions for {number}, oldest first", "{number} 的指示(由舊至新)"),
    "lists_col_at": ("Given at", "給予時間"),
    "lists_col_instruction": ("Instruction", "指示"),
    "lists_col_reference": ("Reference", "參考"),
    "lists_col_recorded": ("Recorded", "記錄"),
    "lists_instruction_consent": ("Consent", "同意"),
    "lists_instruction_unsubscribe": ("Unsubscribe", "取消接收"),
    "lists_latest": ("current", "現時"),
    "lists_current_title": ("Current state", "現時狀況"),
    "lists_current_first": ("The first {shown} numbers; export the list for all of them.",
                            "只顯示首 {shown} 個號碼;請匯出名單查看全部。"),
    "error_instruction_refused": ("This instruction cannot be recorded.", "未能記錄此指示。"),
    "error_instructions_file_refused": (
        "The file was not recorded: correct the lines listed and upload it again.",
        "檔案未有記錄:請更正下列各行後再上載。",
    ),
    # the washing service (senders.washing)
    "nav_washes": ("Wash a list", "清洗名單"),
    "wash_title": ("Wash a calling list", "清洗發送名單"),
    "wash_intro": (
        "Upload a calling list: it is checked against the latest register publication and your own consent and "
        "unsubscribe list for the day you plan to send. You get the lines that may be sent, the lines that may "
        "not (with why), a report and a scrub receipt to keep as proof that you checked. Results are kept for "
        "{days} days.",
        "上載發送名單:系統會按你計劃發送的日期,以最新發布的登記冊及你自己的同意及取消接收名單核對。"
        "你會取得可以發送的行、不可發送的行(附原因)、報告,以及可保存作為已核對證明的清洗收據。結果保留 {days} 日。",
    ),
    "wash_none": (
        "Your account may not use any register now, so it cannot wash lists.",
        "你的帳戶現時不能使用任何登記冊,因此不能清洗名單。",
    ),
    "wash_upload_title": ("Upload a list to wash", "上載名單以作清洗"),
    "wash_send_date": ("Planned send date", "計劃發送日期"),
    "wash_send_date_hint": ("Today or a later date.", "今天或以後的日期。"),
    "wash_file": ("Calling list", "發送名單"),
    "wash_file_hint": (
        "Text with one number per line, or a CSV with a header (name the column below), or a zip of one; "
        "up to {max_mb} MB.",
        "每行一個號碼的文字檔,或有標題列的 CSV(請在下面填寫欄名),或其 zip 壓縮檔;不超過 {max_mb} MB。",
    ),
    "wash_column": ("Column with the numbers", "號碼所在的欄"),
    "wash_column_hint": (
        "Only for a CSV with a header; leave empty for one number per line.", "只適用於有標題列的 CSV;每行一個號碼的檔案請留空。"),
    "wash_client_reference": ("Your reference for this upload", "你為此上載設定的參考編號"),
    "wash_client_reference_hint": (
        "Optional. Uploading again with the same reference gives the same wash, not a second one.",
        "可選填。以相同參考編號再次上載,會取得同一次清洗,而不會重複清洗。",
    ),
    "wash_button": ("Upload and wash", "上載並清洗"),
    "wash_list_caption": ("Your washes, newest first", "你的清洗紀錄(由新至舊)"),
    "wash_col_id": ("Wash", "清洗"),
    "wash_col_uploaded": ("Uploaded", "上載時間"),
    "wash_name": ("Wash #{id}", "清洗 #{id}"),
    "wash_bytes": ("{size} bytes", "{size} 位元組"),
    "wash_state_queued": ("Waiting to start", "等待開始"),
    "wash_state_running": ("Washing", "清洗中"),
    "wash_state_done": ("Done", "已完成"),
    "wash_state_failed": ("Failed", "失敗"),
    "wash_state_expired": ("Results deleted", "結果已刪除"),
    "wash_busy_note": ("this page updates itself every {seconds} seconds.", "本頁每 {seconds} 秒自動更新。"),
    "wash_failed_title": ("The list could not be washed", "未能清洗名單"),
    "wash_publication": ("Checked against the publication of {date}, SHA-256", "已以 {date} 發布的登記冊核對,SHA-256"),
    "wash_counts_caption": ("Counts", "數目"),
    "wash_lines": ("Lines read", "讀取行數"),
    "wash_kept": ("May be sent", "可以發送"),
    "wash_not_kept": ("May not be sent", "不可發送"),
    "decision_rejected_invalid": ("Not a valid number", "號碼無效"),
    "decision_duplicate": ("Repeated line", "重複"),
    "decision_blocked_unsubscribed": ("Unsubscribed on your list", "已在你的名單上取消接收"),
    "decision_allowed_consent": ("Consent on your list", "已在你的名單上同意"),
    "decision_blocked_dnc": ("Listed and protected", "已登記並受保障"),
    "decision_allowed_not_yet_protected": ("Listed, not yet protected", "已登記,保障尚未生效"),
    "decision_allowed": ("Not listed", "未有登記"),
    "wash_files_title": ("Results", "結果"),
    "wash_file_kept_csv": ("Lines that may be sent", "可以發送的行"),
    "wash_file_rejected_csv": ("Lines that may not be sent, with why", "不可發送的行及原因"),
    "wash_file_report_json": ("Report", "報告"),
    "wash_file_receipt_json": ("Scrub receipt", "清洗收據"),
    "wash_kept_until": ("The results are kept until {at}.", "結果保留至 {at}。"),
    "wash_expired_note": (
        "The results were kept for their retention period and have been deleted; upload the list again.",
        "結果已過保留期並已刪除;請再次上載名單。",
    ),
    "wash_back": ("All washes", "全部清洗紀錄"),
    "error_wash_refused": ("The list cannot be washed as uploaded.", "未能按上載的內容清洗名單。"),
    "error_wash_not_found": ("There is no such wash on your account.", "你的帳戶沒有此清洗紀錄。"),
    "error_wash_reference_reused": (
        "This reference already names a different upload; use a new reference.", "此參考編號已用於另一次上載;請使用新的參考編號。"),
    "error_wash_not_ready": ("This wash has no results to download.", "此清洗沒有可下載的結果。"),
    "error_wash_expired": ("The results of this wash have been deleted; upload the list again.", "此清洗的結果已被刪除;請再次上載名單。"),
    "lists_choose_file": (
        "Choose the CSV file to upload (header number,instruction,at).", "請選擇要上載的 CSV 檔案(標題列為 number,instruction,at)。"),
    "wash_choose_file": (
        "Choose the calling list to upload (text, CSV or a zip of one).", "請選擇要上載的發送名單(文字檔、CSV 或其 zip 壓縮檔)。"),
    "wash_bad_date": ("{value!r} is not a date such as 2026-03-20.", "「{value}」不是日期,例如 2026-03-20。"),
}
