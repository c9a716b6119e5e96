import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Account } from '../auth';
import { useI18n } from '../i18n';
import { isCurrent, visibleNav, type NavGroupId } from '../nav';
import { Link, useHashLocation } from '../router';

/**
 * The signed-in navigation: one menu per group (disclosure buttons), a group with a
 * single item as a plain link. On a phone the groups fold behind one "Menü" button.
 * Menus close on a route change, on Escape and on a click outside.
 */
export function GroupedNav({ account }: { account: Account }) {
  const { t } = useI18n();
  const { path } = useHashLocation();
  const [openGroup, setOpenGroup] = useState<NavGroupId | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const baseId = useId();
  const groups = visibleNav(account);

  useEffect(() => {
    setOpenGroup(null);
    setMenuOpen(false);
  }, [path]);

  useEffect(() => {
    if (openGroup === null && !menuOpen) return;
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current && event.target instanceof Node && !rootRef.current.contains(event.target)) {
        setOpenGroup(null);
        setMenuOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [openGroup, menuOpen]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Escape') return;
    if (openGroup !== null) {
      document.getElementById(`${baseId}-${openGroup}-toggle`)?.focus();
      setOpenGroup(null);
    } else if (menuOpen) {
      document.getElementById(`${baseId}-menu-toggle`)?.focus();
      setMenuOpen(false);
    }
  };

  if (groups.length === 0) return null;
  const listId = `${baseId}-groups`;

  return (
    <div className="app-nav__menu" ref={rootRef} onKeyDown={onKeyDown}>
      <button
        type="button"
        id={`${baseId}-menu-toggle`}
        className="app-nav__menu-toggle"
        aria-expanded={menuOpen}
        aria-controls={listId}
        onClick={() => setMenuOpen((open) => !open)}
        data-testid="nav-menu"
      >
        {t('nav.menu')}
      </button>
      <ul id={listId} className={menuOpen ? 'app-nav__groups app-nav__groups--open' : 'app-nav__groups'} data-testid="nav-groups">
        {groups.map((group) => {
          const current = group.items.some((item) => isCurrent(item, path));
          const [only] = group.items;
          if (group.items.length === 1 && only) {
            const item = only;
            return (
              <li key={group.id} className="app-nav__group">
                <Link to={item.to} section={item.section ?? false} className="app-nav__link" data-testid={item.testId} data-nav-group={group.id}>
                  {t(item.label)}
                </Link>
              </li>
            );
          }
          const open = openGroup === group.id;
          const panelId = `${baseId}-${group.id}`;
          return (
            <li key={group.id} className="app-nav__group">
              <button
                type="button"
                id={`${panelId}-toggle`}
                className={current ? 'app-nav__group-toggle app-nav__group-toggle--current' : 'app-nav__group-toggle'}
                aria-expanded={open}
                aria-controls={panelId}
                onClick={() => setOpenGroup(open ? null : group.id)}
                data-testid={`nav-group-${group.id}`}
              >
                {t(group.label)}
                <span className="app-nav__caret" aria-hidden="true" />
              </button>
              <ul id={panelId} className="app-nav__panel" hidden={!open}>
                {group.items.map((item) => (
                  <li key={item.to}>
                    <Link
                      to={item.to}
                      section={item.section ?? false}
                      className="app-nav__link app-nav__panel-link"
                      data-testid={item.testId}
                      data-nav-group={group.id}
                    >
                      {t(item.label)}
                    </Link>
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
