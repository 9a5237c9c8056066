// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDepositFactory} from "./interfaces/IDepositFactory.sol";
import {DepositClone} from "./libraries/DepositClone.sol";

/// @title DepositFactory
/// @notice Deploys and forwards per-order deposit addresses. It is also their implementation: each deposit address
/// is a 44-byte ERC-7511 minimal clone (`DepositClone`) that delegates to this contract's code, whose `sweep` then
/// runs in the clone's own context.
/// @dev A deposit address is bound to its payout address and order reference by its CREATE2 salt,
/// `keccak256(abi.encode(payout, orderRef))`: the clone's code carries nothing but the factory's address, and the
/// factory, the only caller `sweep` accepts, names as payout only the address that salt was made of. Being its own
/// implementation keeps the forward cheap (the factory is the transaction's target, so the clone's delegatecall to
/// it is warm). Two guards keep the roles apart: factory entry points run only as the factory
/// (`address(this) == _SELF`), `sweep` only in a clone and only when called by the factory. Neither role has
/// storage, an owner or an upgrade path.
contract DepositFactory is IDepositFactory, ReentrancyGuardTransient {
    /// @notice Gas a batch gives each deployment: CREATE2 and the clone's code take about 41,100. Only an address
    /// that exists already (where CREATE2 fails and burns what it was given) costs this much.
    uint256 private constant _BATCH_DEPLOY_GAS = 100_000;

    /// @notice This contract's own address: the clones' implementation and the only caller `sweep` accepts.
    address private immutable _SELF = address(this);

    /// @notice The hash of the clones' creation code (the same for every deposit address of this factory).
    bytes32 private immutable _CLONE_HASH = DepositClone.initCodeHash(address(this));

    /// @notice Runs the function only as the factory, never delegated from a clone.
    modifier onlyFactoryContext() {
        if (address(this) != _SELF) revert WrongContext();
        _;
    }

    /// @notice Native coin sent to a deposit address is kept there until forwarded; the factory itself takes none.
    receive() external payable {
        if (address(this) == _SELF) revert WrongContext();
    }

    /* FACTORY */

    /// @inheritdoc IDepositFactory
    function depositAddress(address payout_, bytes32 orderRef) external view returns (address) {
        return _predict(_salt(payout_, orderRef));
    }

    /// @inheritdoc IDepositFactory
    function deploy(address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (address deposit)
    {
        deposit = _deploy(payout_, orderRef);
        emit DepositAddressDeployed(orderRef, deposit, payout_);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        return _forward(token, payout_, orderRef, _deploy(payout_, orderRef));
    }

    /// @inheritdoc IDepositFactory
    function forward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        address deposit = _predict(_salt(payout_, orderRef));
        if (deposit.code.length == 0) revert NotDeployed(deposit);
        return _forward(token, payout_, orderRef, deposit);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForwardMany(Forward[] calldata forwards) external onlyFactoryContext nonReentrant {
        for (uint256 i; i < forwards.length;) {
            Forward calldata item = forwards[i];
            if (item.payout == address(0)) revert InvalidPayout();
            bytes32 salt = _salt(item.payout, item.orderRef);
            // No code check first: it would be the address's first (cold) access, which CREATE2 makes for free.
            _tryDeploy(salt);
            _tryForward(item, _predict(salt));
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDepositFactory
    function forwardMany(Forward[] calldata forwards) external onlyFactoryContext nonReentrant {
        for (uint256 i; i < forwards.length;) {
            Forward calldata item = forwards[i];
            address deposit = _predict(_salt(item.payout, item.orderRef));
            // Checked first: a CREATE2 onto an existing contract would burn the gas given to it. The check warms the
            // address, so the sweep's call to it costs that much less.
            if (deposit.code.length == 0) _deploy(item.payout, item.orderRef);
            _tryForward(item, deposit);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDepositFactory
    function deployFromBatch(bytes32 salt) external {
        if (msg.sender != _SELF || address(this) != _SELF) revert WrongContext();
        DepositClone.deploy(_SELF, salt);
    }

    /* DEPOSIT ADDRESS (runs in a clone's context) */

    /// @inheritdoc IDepositFactory
    function sweep(address token, address payout_) external returns (uint256 sent, uint256 received) {
        if (msg.sender != _SELF) revert OnlyFactory(msg.sender);
        if (address(this) == _SELF) revert WrongContext();
        if (token == address(0)) return _sweepNative(payout_);
        return _sweepToken(token, payout_);
    }

    /* HELPERS */

    /// @dev In a clone: sends its whole native balance to `to`.
    function _sweepNative(address to) private returns (uint256 sent, uint256 received) {
        sent = address(this).balance;
        if (sent == 0) return (0, 0);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = to.call{value: sent}("");
        if (!ok) revert NativeTransferFailed(to);
        return (sent, sent);
    }

    /// @dev In a clone: sends its whole balance of `token` to `to` and measures what `to` received, in one block
    /// of raw calls (the forward's hot path). The transfer's result is judged as SafeERC20 does: a revert is
    /// bubbled up, and the call must return nothing (USDT) or `true`. An address without code cannot get that far:
    /// its `balanceOf` answers nothing, which is refused as `InvalidToken`.
    function _sweepToken(address token, address to) private returns (uint256 sent, uint256 received) {
        bytes4 invalidToken = InvalidToken.selector;
        bytes4 transferFailed = SafeERC20.SafeERC20FailedOperation.selector;
        assembly ("memory-safe") {
            // `balanceOf(account)` of `token` into `value`; a call that fails or answers less than a word reverts.
            function balanceOf(tkn, account, errorSelector) -> value {
                mstore(0x00, 0x70a08231)
                mstore(0x20, account)
                // Yul evaluates arguments right to left: the call comes before `returndatasize()` reads its answer.
                if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), tkn, 0x1c, 0x24, 0x00, 0x20))) {
                    mstore(0x00, errorSelector)
                    mstore(0x04, tkn)
                    revert(0x00, 0x24)
                }
                value := mload(0x00)
            }
            sent := balanceOf(token, address(), invalidToken)
            if sent {
                let before := balanceOf(token, to, invalidToken)
                let m := mload(0x40)
                mstore(m, 0xa9059cbb00000000000000000000000000000000000000000000000000000000) // transfer(address,uint256)
                mstore(add(m, 0x04), to)
                mstore(add(m, 0x24), sent)
                let ok := call(gas(), token, 0, m, 0x44, 0x00, 0x20)
                if iszero(ok) {
                    returndatacopy(m, 0x00, returndatasize())
                    revert(m, returndatasize())
                }
                if iszero(or(iszero(returndatasize()), and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)))) {
                    mstore(0x00, transferFailed)
                    mstore(0x04, token)
                    revert(0x00, 0x24)
                }
                let afterwards := balanceOf(token, to, invalidToken)
                received := mul(sub(afterwards, before), gt(afterwards, before))
            }
        }
    }

    /// @dev Deploys the clone bound to `payout_` and `orderRef`; reverts if it exists already.
    function _deploy(address payout_, bytes32 orderRef) private returns (address deposit) {
        if (payout_ == address(0)) revert InvalidPayout();
        deposit = DepositClone.deploy(_SELF, _salt(payout_, orderRef));
        if (deposit == address(0)) revert Errors.FailedDeployment();
    }

    /// @dev Deploys the clone of `salt` with at most `_BATCH_DEPLOY_GAS`, through `deployFromBatch`; whether it
    /// worked (it fails where the clone exists already) is for the sweep that follows to find out.
    function _tryDeploy(bytes32 salt) private {
        bytes4 selector = this.deployFromBatch.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, salt)
            pop(call(_BATCH_DEPLOY_GAS, address(), 0, 0x00, 0x24, 0x00, 0x00))
        }
    }

    /// @dev The CREATE2 salt binding a deposit address to `payout_` and `orderRef`.
    function _salt(address payout_, bytes32 orderRef) private pure returns (bytes32 salt) {
        assembly ("memory-safe") {
            mstore(0x00, and(payout_, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, orderRef)
            salt := keccak256(0x00, 0x40)
        }
    }

    /// @dev The clone of `salt`, deployed by this factory.
    function _predict(bytes32 salt) private view returns (address) {
        return DepositClone.predict(_CLONE_HASH, salt, _SELF);
    }

    /// @dev Sweeps `deposit` (reverting with the sweep's own reason if it fails) and reports the forward when
    /// something moved.
    function _forward(address token, address payout_, bytes32 orderRef, address deposit)
        private
        returns (uint256 received)
    {
        (bool ok, uint256 sent, uint256 got) = _sweepCall(deposit, token, payout_);
        if (!ok) {
            assembly ("memory-safe") {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
        }
        if (sent != 0) emit Forwarded(orderRef, token, got);
        return got;
    }

    /// @dev Sweeps one batch item; a failure (a blacklisted merchant, an address without code) emits
    /// `ForwardFailed` and leaves the funds in place.
    function _tryForward(Forward calldata item, address deposit) private {
        (bool ok, uint256 sent, uint256 received) = _sweepCall(deposit, item.token, item.payout);
        if (!ok) emit ForwardFailed(item.orderRef, deposit, item.payout, item.token);
        else if (sent != 0) emit Forwarded(item.orderRef, item.token, received);
    }

    /// @dev `deposit.sweep(token, payout_)` by a raw call: `ok` is false when it reverted or answered with less
    /// than two words (an address without code answers nothing). The revert reason is not copied: a token's could
    /// be made large enough to exhaust the batch.
    function _sweepCall(address deposit, address token, address payout_)
        private
        returns (bool ok, uint256 sent, uint256 received)
    {
        bytes4 selector = this.sweep.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), token)
            mstore(add(m, 0x24), payout_)
            ok := call(gas(), deposit, 0, m, 0x44, 0x00, 0x40)
            ok := and(ok, gt(returndatasize(), 0x3f))
            sent := mul(mload(0x00), ok)
            received := mul(mload(0x20), ok)
        }
    }

}
