//! The app starts with the demo flights, in both languages.

use super::harness::*;

#[tokio::test]
async fn app_starts_and_shows_the_demo_flights() {
    if !enabled() {
        return;
    }
    let s = Session::start("board", Launch { mode: "agent", language: "en" }).await.expect("start app");
    let outcome = bounded(async {
        s.sign_in("A1001", "246810").await?;
        s.wait_text("[data-testid=board-title]", "Departures from Hong Kong").await?;
        let rows = s.client.find_all(Locator::Css("[data-testid=flight-row]")).await?;
        ensure!(rows.len() == 21, "expected 21 departures, saw {}", rows.len());
        let cz = s
            .client
            .find(Locator::Css("[data-testid=flight-row][data-flight=CZ342]"))
            .await
            .context("CZ342 row")?;
        ensure!(cz.attr("data-status").await?.as_deref() == Some("delayed"));
        let text = cz.text().await?;
        for expected in ["Kunming", "13:30", "03:30", "Delayed 14 h", "Technical fault", "180"] {
            ensure!(text.contains(expected), "CZ342 row {text:?} lacks {expected:?}");
        }
        s.wait_text("[data-testid=local-time]", "14:00").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}

#[tokio::test]
async fn language_switch_changes_every_label() {
    if !enabled() {
        return;
    }
    let s = Session::start("language", Launch { mode: "agent", language: "en" }).await.expect("start app");
    let outcome = bounded(async {
        s.wait_text("[data-testid=agent-sign-in]", "Sign in").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=agent-sign-in]", "登录登机口控制台").await?;
        s.click("[data-testid=lang-en]").await?;
        s.sign_in("A1001", "246810").await?;
        s.wait_text("[data-testid=board-title]", "Departures").await?;
        s.click("[data-testid=lang-zh-CN]").await?;
        s.wait_text("[data-testid=board-title]", "出发航班").await?;
        let status =
            s.text("[data-testid=flight-row][data-flight=CZ342] [data-testid=flight-status]").await?;
        ensure!(status.contains("延误 14小时"), "status {status:?}");
        ensure!(status.contains("飞机技术故障"), "status {status:?}");
        s.wait_text("[data-testid=mode]", "登机口柜台").await?;
        let lang = s.client.find(Locator::Css("html")).await?.attr("lang").await?;
        ensure!(lang.as_deref() == Some("zh-CN"), "html lang {lang:?}");
        s.click("[data-testid=lang-en]").await?;
        s.wait_text("[data-testid=board-title]", "Departures from").await?;
        Ok(())
    })
    .await;
    s.finish(outcome).await;
}
