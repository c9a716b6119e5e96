//! The PC/SC lab proven with a real PC/SC client (the lab is `fixtures::pcsc`).
use std::ffi::CString;

use ::pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use std::thread;
use std::time::{Duration, Instant};

use crate::fixtures::pcsc::*;

const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

/// Waits until pcscd reports a card in `reader`, connects, and reads the UID with Get Data.
fn read_uid(ctx: &Context, reader: &str, lab: &PcscLab) -> Vec<u8> {
    let name = CString::new(reader).expect("reader name");
    let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        ctx.get_status_change(Duration::from_millis(500), &mut states)
            .or_else(|e| if e == ::pcsc::Error::Timeout { Ok(()) } else { Err(e) })
            .unwrap_or_else(|e| panic!("SCardGetStatusChange({reader}): {e}\n{}", lab.log()));
        if states[0].event_state().contains(State::PRESENT) {
            break;
        }
        assert!(Instant::now() < deadline, "no card in {reader} within 5 s\n{}", lab.log());
        states[0].sync_current_state();
    }
    let card =
        ctx.connect(&name, ShareMode::Shared, Protocols::ANY).unwrap_or_else(|e| panic!("SCardConnect({reader}): {e}\n{}", lab.log()));
    let status = card.status2_owned().expect("SCardStatus");
    assert_eq!(status.atr(), ATR, "pcscd reports the card's ATR");
    let mut buf = [0u8; 258];
    let response = card
        .transmit(&GET_UID, &mut buf)
        .unwrap_or_else(|e| panic!("SCardTransmit(FF CA 00 00 00) to {reader}: {e}\n{}", lab.log()))
        .to_vec();
    card.disconnect(Disposition::LeaveCard).map_err(|(_, e)| e).expect("SCardDisconnect");
    response
}

fn uid_response() -> Vec<u8> {
    let mut expected = UID.to_vec();
    expected.extend_from_slice(&[0x90, 0x00]);
    expected
}

#[test]
fn pcsc_lab_reads_a_virtual_card_uid_over_pcsc() {
    let started = Instant::now();
    let mut lab = PcscLab::start();
    eprintln!("pcscd up after {:?}", started.elapsed());

    let ctx = Context::establish(Scope::User).expect("SCardEstablishContext");
    let readers: Vec<String> =
        ctx.list_readers_owned().expect("SCardListReaders").into_iter().map(|name| name.to_string_lossy().into_owned()).collect();
    eprintln!("readers: {readers:?}");
    for slot in 0..2 {
        assert!(readers.contains(&reader_name(slot)), "{} not in {readers:?}\n{}", reader_name(slot), lab.log());
    }

    let inserted = Instant::now();
    let card = VirtualCard::insert(0, &UID);
    assert_eq!(read_uid(&ctx, &reader_name(0), &lab), uid_response(), "\n{}", lab.log());
    assert!(card.wait_for_read(Duration::from_secs(1)), "the card saw the read");
    eprintln!("slot 0 read after {:?}", inserted.elapsed());
    let apdus = card.remove();
    assert_eq!(apdus, vec![GET_UID.to_vec()], "the card's APDUs");
    drop(ctx);

    // A restarted pcscd serves the readers again; a new context reads slot 1.
    let restarted = Instant::now();
    lab.restart_pcscd();
    eprintln!("pcscd restarted in {:?}", restarted.elapsed());
    let ctx = Context::establish(Scope::User).expect("SCardEstablishContext after the restart");
    let card = VirtualCard::insert(1, &UID);
    assert_eq!(read_uid(&ctx, &reader_name(1), &lab), uid_response(), "\n{}", lab.log());
    card.remove();

    // tap() and insert_briefly() against a reader that waits for cards like an agent does.
    let reader = {
        let ctx = Context::establish(Scope::User).expect("SCardEstablishContext for the reader thread");
        thread::spawn(move || {
            let name = CString::new(reader_name(0)).expect("reader name");
            let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
            let mut reads = 0;
            while reads < 1 {
                match ctx.get_status_change(Duration::from_secs(10), &mut states) {
                    Ok(()) => {}
                    Err(::pcsc::Error::Timeout) => break,
                    Err(e) => panic!("SCardGetStatusChange: {e}"),
                }
                let now = states[0].event_state();
                let was = states[0].current_state();
                states[0].sync_current_state();
                if now.contains(State::PRESENT) && !was.contains(State::PRESENT) {
                    let card = ctx.connect(&name, ShareMode::Shared, Protocols::ANY).expect("SCardConnect");
                    let mut buf = [0u8; 258];
                    let response = card.transmit(&GET_UID, &mut buf).expect("SCardTransmit").to_vec();
                    assert_eq!(response, uid_response());
                    // As the agent does: ask for the NDEF application of a secure card.
                    let select = [0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00];
                    assert_eq!(card.transmit(&select, &mut buf).expect("SCardTransmit"), [0x6A, 0x82]);
                    let _ = card.transmit(&[0xFF, 0x00, 0x40, 0x00, 0x04, 0x01, 0x00, 0x01, 0x01], &mut buf);
                    reads += 1;
                }
            }
        })
    };
    let tapped = Instant::now();
    let apdus = tap(0, &UID);
    eprintln!("tap took {:?}: {:?}", tapped.elapsed(), apdus.iter().map(|a| hex(a)).collect::<Vec<_>>());
    assert_eq!(apdus[0], GET_UID.to_vec());
    reader.join().expect("reader thread");
    let brief = Instant::now();
    insert_briefly(1, &UID, Duration::from_millis(100));
    eprintln!("insert_briefly(100 ms) took {:?}", brief.elapsed());

    // stop_pcscd leaves no service; start_pcscd brings it back.
    lab.stop_pcscd();
    assert!(running_pcscd().is_none(), "pcscd stopped");
    lab.start_pcscd();
    let ctx = Context::establish(Scope::User).expect("SCardEstablishContext after start_pcscd");
    let card = VirtualCard::insert(0, &UID);
    assert_eq!(read_uid(&ctx, &reader_name(0), &lab), uid_response(), "\n{}", lab.log());
    card.remove();
    eprintln!("--- pcscd log ---\n{}", lab.log());
}
