//! The blue/green bar: production's split between the original (blue) and the replacement
//! (green) task set, in one line of cells.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::ui::theme::Theme;

pub struct SplitBar<'a> {
    pub percent_on_green: f64,
    pub theme: &'a Theme,
}

impl Widget for SplitBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 {
            return;
        }
        let width = usize::from(area.width);
        let green =
            ((self.percent_on_green.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
        for i in 0..width {
            let (symbol, style) = if i < width - green {
                ("▒", self.theme.blue)
            } else {
                ("█", self.theme.green)
            };
            if let Some(cell) = buf.cell_mut((area.x + i as u16, area.y)) {
                cell.set_symbol(symbol).set_style(style);
            }
        }
    }
}
